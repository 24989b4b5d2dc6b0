import { describe, expect, it } from 'vitest';

import type { CycleOutcome } from '../../src/domain/cycleOutcome';
import { decide } from '../../src/domain/decide';
import type { EngineInput } from '../../src/domain/decision';
import {
    deriveRequestStatus,
    isFinalRequestState,
    type RequestRecord,
    type RequestStatus,
    workerWaitText,
} from '../../src/domain/requestStatus';
import { emptyTargetState, type RunSummary, type TargetState } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import { decided } from '../support/decideDriver';
import { tally } from '../support/targetStateFixtures';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const timing = DEFAULT_TIMING;

function record(windowSeq: number | null): RequestRecord {
    return {
        requestId: 'r1',
        targetId: 't1',
        windowSeq,
        acceptedAt: T0,
        changeCount: 1,
        urgentCount: 0,
        policy: 'Delta',
        correlationId: 'c1',
        bodyHash: 'h',
        idempotencyKey: null,
    };
}

const accept: EngineInput = {
    type: 'changesAccepted',
    requestId: 'r1',
    correlationId: 'c1',
    changeCount: 1,
    urgentCount: 0,
    policy: 'Delta',
    kinds: { attribute: 1 },
};

function run(state: TargetState, input: EngineInput, at: number): TargetState {
    return decided(decide(state, input, at, timing)).state;
}

function summary(seq: number, outcome: CycleOutcome): RunSummary {
    return {
        targetId: 't1',
        seq,
        attempts: 1,
        tally: tally({ changeCount: 1, requestCount: 1 }),
        correlationId: 'c1',
        firstChangeAt: T0,
        windowClosedAt: T0,
        job: { name: 'j', createdAt: T0, startedAt: T0, lastStatus: 'Completed' },
        endedAt: T0,
        report: { outcome, exportErrors: 0 },
        carried: null,
    };
}

describe('deriveRequestStatus', () => {
    it('says accepted for a request not merged into a window yet', () => {
        expect(deriveRequestStatus(record(null), emptyTargetState('t1', 'e0000001'), timing, T0).state).toBe(
            'accepted',
        );
    });

    it('says waiting with the expected start while the window is open', () => {
        const state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        const status = deriveRequestStatus(record(1), state, timing, T0);
        expect(status).toMatchObject({ state: 'waiting', expectedStartAt: T0 + timing.quietMs });
    });

    it('says running, with the phase and job, once the window became a run', () => {
        let state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        state = run(state, { type: 'wake', token: state.wake?.token ?? null }, T0 + timing.quietMs);
        expect(deriveRequestStatus(record(1), state, timing, T0)).toMatchObject({
            state: 'running',
            phase: 'starting',
        });
        state = run(state, { type: 'jobCreated', seq: 1, attempt: 1, jobName: 'job-1' }, T0 + timing.quietMs);
        expect(deriveRequestStatus(record(1), state, timing, T0)).toMatchObject({
            state: 'running',
            phase: 'active',
            jobName: 'job-1',
            jobCreatedAt: T0 + timing.quietMs,
        });
    });

    it('classifies a finished run from history, or from the run store once history forgot it', () => {
        const state: TargetState = {
            ...emptyTargetState('t1', 'e0000001'),
            nextSeq: 3,
            history: [summary(2, 'Failed')],
        };
        expect(deriveRequestStatus(record(2), state, timing, T0).state).toBe('failed');
        expect(deriveRequestStatus(record(1), state, timing, T0, summary(1, 'SkippedStagingMode')).state).toBe(
            'skipped',
        );
        expect(deriveRequestStatus(record(1), state, timing, T0, summary(1, 'CompletedWithExportErrors')).state).toBe(
            'partiallySucceeded',
        );
        expect(deriveRequestStatus(record(1), state, timing, T0, null).state).toBe('expired');
    });

    it('says succeeded for a Succeeded run', () => {
        const state: TargetState = {
            ...emptyTargetState('t1', 'e0000001'),
            nextSeq: 2,
            history: [summary(1, 'Succeeded')],
        };
        const status = deriveRequestStatus(record(1), state, timing, T0);
        expect(status.state).toBe('succeeded');
        expect(isFinalRequestState(status.state)).toBe(true);
    });

    it('says the job waits for an offline Hybrid Worker once the engine has seen it queued too long (issue 13 item 8)', () => {
        let state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        state = run(state, { type: 'wake', token: state.wake?.token ?? null }, T0 + timing.quietMs);
        const createdAt = T0 + timing.quietMs;
        state = run(state, { type: 'jobCreated', seq: 1, attempt: 1, jobName: 'job-1' }, createdAt);
        const queued = {
            type: 'jobObserved',
            seq: 1,
            attempt: 1,
            observation: { kind: 'queued', status: 'New' },
        } as const;
        state = run(state, queued, createdAt + 30_000);
        expect(deriveRequestStatus(record(1), state, timing, createdAt + 30_000)).toMatchObject({
            state: 'running',
            waitingForWorker: null,
        });
        const seenAt = createdAt + timing.workerOfflineAfterMs;
        state = run(state, queued, seenAt);
        const status = deriveRequestStatus(record(1), state, timing, seenAt + 20_000);
        expect(status).toMatchObject({
            state: 'running',
            waitingForWorker: { queuedSince: createdAt, offlineMs: timing.workerOfflineAfterMs + 20_000 },
        });
        if (status.state !== 'running' || status.waitingForWorker === null) throw new Error('expected a wait');
        expect(workerWaitText(status.waitingForWorker)).toBe(
            `waiting for the Hybrid Worker (offline for ${(timing.workerOfflineAfterMs + 20_000) / 1000} s)`,
        );
    });

    it('gives the final answer as soon as the engine gives up on the run, not after the stop is confirmed (issue 13 item 8)', () => {
        let state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        state = run(state, { type: 'wake', token: state.wake?.token ?? null }, T0 + timing.quietMs);
        const createdAt = T0 + timing.quietMs;
        state = run(state, { type: 'jobCreated', seq: 1, attempt: 1, jobName: 'job-1' }, createdAt);
        const timeoutAt = createdAt + timing.runTimeoutMs;
        state = run(state, { type: 'wake', token: null }, timeoutAt);
        state = run(
            state,
            { type: 'jobObserved', seq: 1, attempt: 1, observation: { kind: 'queued', status: 'New' } },
            timeoutAt,
        );
        expect(state.runs?.ahead?.phase).toBe('stopping');
        const status = deriveRequestStatus(record(1), state, timing, timeoutAt + 1_000);
        expect(status).toMatchObject({
            state: 'failed',
            run: { seq: 1, report: { outcome: 'WorkerOffline' }, endedAt: timeoutAt },
        });
        expect(isFinalRequestState(status.state)).toBe(true);
    });

    it('treats accepted, waiting and running as not final', () => {
        const notFinal: RequestStatus['state'][] = ['accepted', 'waiting', 'running'];
        expect(notFinal.map(isFinalRequestState)).toEqual([false, false, false]);
    });
});
