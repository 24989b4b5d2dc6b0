import { describe, expect, it } from 'vitest';

import { decide, type EngineInput } from '../../src/domain/decide';
import {
    deriveRequestStatus,
    isFinalRequestState,
    type RequestRecord,
    type RequestStatus,
} from '../../src/domain/requestStatus';
import { emptyTargetState, type RunSummary, type TargetState } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';

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
    return decide(state, input, at, timing).state;
}

function summary(seq: number, outcome: RunSummary['outcome']): RunSummary {
    return {
        targetId: 't1',
        seq,
        attempts: 1,
        policy: 'Delta',
        jobName: 'j',
        changeCount: 1,
        urgentCount: 0,
        requestCount: 1,
        kinds: {},
        correlationId: 'c1',
        firstChangeAt: T0,
        firstUrgentAt: null,
        windowClosedAt: T0,
        jobCreatedAt: T0,
        jobStartedAt: T0,
        endedAt: T0,
        outcome,
        reason: null,
        exportErrors: 0,
        lastStatus: 'Completed',
        report: null,
    };
}

describe('deriveRequestStatus', () => {
    it('says accepted for a request not merged into a window yet', () => {
        expect(deriveRequestStatus(record(null), emptyTargetState('t1', 'e0000001'), timing).state).toBe('accepted');
    });

    it('says waiting with the expected start while the window is open', () => {
        const state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        const status = deriveRequestStatus(record(1), state, timing);
        expect(status).toMatchObject({ state: 'waiting', expectedStartAt: T0 + timing.quietMs });
    });

    it('says running, with the phase and job, once the window became a run', () => {
        let state = run(emptyTargetState('t1', 'e0000001'), accept, T0);
        state = run(state, { type: 'wake', token: state.wake?.token ?? null }, T0 + timing.quietMs);
        expect(deriveRequestStatus(record(1), state, timing)).toMatchObject({ state: 'running', phase: 'starting' });
        state = run(state, { type: 'jobCreated', seq: 1, attempt: 1, jobName: 'job-1' }, T0 + timing.quietMs);
        expect(deriveRequestStatus(record(1), state, timing)).toMatchObject({
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
        expect(deriveRequestStatus(record(2), state, timing).state).toBe('failed');
        expect(deriveRequestStatus(record(1), state, timing, summary(1, 'SkippedStagingMode')).state).toBe('skipped');
        expect(deriveRequestStatus(record(1), state, timing, summary(1, 'CompletedWithExportErrors')).state).toBe(
            'partiallySucceeded',
        );
        expect(deriveRequestStatus(record(1), state, timing, null).state).toBe('expired');
    });

    it('says succeeded for a Succeeded run', () => {
        const state: TargetState = {
            ...emptyTargetState('t1', 'e0000001'),
            nextSeq: 2,
            history: [summary(1, 'Succeeded')],
        };
        const status = deriveRequestStatus(record(1), state, timing);
        expect(status.state).toBe('succeeded');
        expect(isFinalRequestState(status.state)).toBe(true);
    });

    it('treats accepted, waiting and running as not final', () => {
        const notFinal: RequestStatus['state'][] = ['accepted', 'waiting', 'running'];
        expect(notFinal.map(isFinalRequestState)).toEqual([false, false, false]);
    });
});
