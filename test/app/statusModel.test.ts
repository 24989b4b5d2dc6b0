import { describe, expect, it } from 'vitest';

import { targetStatus } from '../../src/app/statusModel';
import { decide } from '../../src/domain/decide';
import type { EngineInput } from '../../src/domain/decision';
import type { JobObservation } from '../../src/domain/jobObservation';
import { emptyTargetState, type TargetState } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import { decided } from '../support/decideDriver';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const timing = DEFAULT_TIMING;

function apply(state: TargetState, input: EngineInput, at: number): TargetState {
    return decided(decide(state, input, at, timing)).state;
}

/** A run whose job was created at `createdAt` and read as queued at each of `readsAt`. */
function queuedRun(createdAt: number, readsAt: readonly number[]): TargetState {
    let state = apply(
        emptyTargetState('contoso', 'e0000001'),
        {
            type: 'changesAccepted',
            requestId: 'r1',
            correlationId: 'c1',
            changeCount: 1,
            urgentCount: 0,
            policy: 'Delta',
            kinds: { attribute: 1 },
        },
        T0,
    );
    state = apply(state, { type: 'wake', token: null }, createdAt);
    state = apply(state, { type: 'jobCreated', seq: 1, attempt: 1, jobName: 'job-1' }, createdAt);
    for (const at of readsAt) {
        state = apply(
            state,
            { type: 'jobObserved', seq: 1, attempt: 1, observation: { kind: 'queued', status: 'New' } },
            at,
        );
    }
    return state;
}

describe('status model: a job queued for an offline Hybrid Worker (issue 13 item 8)', () => {
    const createdAt = T0 + timing.quietMs;

    it('is not "waiting for the worker" while the job is queued for less than the offline threshold', () => {
        const status = targetStatus(queuedRun(createdAt, [createdAt + 15_000]), timing, createdAt + 20_000);
        expect(status.run).toMatchObject({ phase: 'active', waitingForWorker: null });
    });

    it('says "waiting for the Hybrid Worker (offline for N s)" once the engine saw it queued too long', () => {
        const seenAt = createdAt + timing.workerOfflineAfterMs;
        const now = seenAt + 42_000;
        const status = targetStatus(queuedRun(createdAt, [seenAt]), timing, now);
        const offlineSeconds = (now - createdAt) / 1000;
        expect(status.run?.waitingForWorker).toEqual({
            offlineSeconds,
            text: `waiting for the Hybrid Worker (offline for ${offlineSeconds} s)`,
        });
        expect(status.health).toBe('failing');
    });
});

describe('status model: the activity says what is true of the run in progress (issue 25 item 15)', () => {
    const createdAt = T0 + timing.quietMs;
    const observe = (state: TargetState, observation: JobObservation, at: number) =>
        apply(state, { type: 'jobObserved', seq: 1, attempt: 1, observation }, at);

    it('running while the job is in flight, before the offline threshold', () => {
        const status = targetStatus(queuedRun(createdAt, [createdAt + 15_000]), timing, createdAt + 20_000);
        expect(status.activity).toBe('running');
    });

    it('workerOffline, not running, once the job has been queued for an offline Hybrid Worker', () => {
        const seenAt = createdAt + timing.workerOfflineAfterMs;
        const status = targetStatus(queuedRun(createdAt, [seenAt]), timing, seenAt + 60_000);
        expect(status.activity).toBe('workerOffline');
    });

    it('running again once the worker picked the job up', () => {
        const seenAt = createdAt + timing.workerOfflineAfterMs;
        const picked = observe(queuedRun(createdAt, [seenAt]), { kind: 'running', status: 'Running' }, seenAt + 30_000);
        expect(targetStatus(picked, timing, seenAt + 40_000).activity).toBe('running');
    });

    it('needsAttention while the job is suspended', () => {
        const suspended = observe(
            queuedRun(createdAt, [createdAt + 15_000]),
            { kind: 'attention', status: 'Suspended' },
            createdAt + 30_000,
        );
        expect(targetStatus(suspended, timing, createdAt + 40_000).activity).toBe('needsAttention');
    });
});
