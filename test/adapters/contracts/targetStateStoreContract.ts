import { describe, expect, it } from 'vitest';

import { emptyTargetState, type RunSummary, type TargetState } from '../../../src/domain/targetState';
import { isConcurrencyConflict } from '../../../src/errors';
import type { TargetStateStore } from '../../../src/ports/targetStateStore';

/** Builds a fresh, empty store for one test (a new table, or a new memory store). */
export type TargetStateStoreFactory = () => Promise<TargetStateStore>;

/**
 * The behaviour every {@link TargetStateStore} must share. Run against the memory store and the Table store so
 * the fake the property tests rely on is proven to behave like the real one.
 * @param name - the implementation under test
 * @param makeStore - a fresh store per test
 */
export function describeTargetStateStoreContract(name: string, makeStore: TargetStateStoreFactory): void {
    describe(`TargetStateStore contract: ${name}`, () => {
        it('loads null for a target that was never saved', async () => {
            const store = await makeStore();
            expect(await store.load('contoso')).toBeNull();
        });

        it('creates with a null ETag and loads back an equal state with the returned ETag', async () => {
            const store = await makeStore();
            const state = richState('contoso');
            const etag = await store.save(state, null);
            const loaded = await store.load('contoso');
            expect(loaded).toEqual({ state, etag });
        });

        it('refuses a second create of the same target as a concurrency conflict', async () => {
            const store = await makeStore();
            await store.save(emptyTargetState('contoso'), null);
            const second = store.save({ ...emptyTargetState('contoso'), nextSeq: 7 }, null);
            await expect(second).rejects.toSatisfy(isConcurrencyConflict);
            expect((await store.load('contoso'))?.state.nextSeq).toBe(1);
        });

        it('saves with the current ETag and refuses the stale one', async () => {
            const store = await makeStore();
            const first = await store.save(emptyTargetState('contoso'), null);
            const second = await store.save({ ...emptyTargetState('contoso'), nextSeq: 2 }, first);
            expect(second).not.toBe(first);
            const stale = store.save({ ...emptyTargetState('contoso'), nextSeq: 3 }, first);
            await expect(stale).rejects.toSatisfy(isConcurrencyConflict);
            const loaded = await store.load('contoso');
            expect(loaded?.state.nextSeq).toBe(2);
            expect(loaded?.etag).toBe(second);
        });

        it('lets exactly one of many racing saves from the same ETag win', async () => {
            const store = await makeStore();
            const etag = await store.save(emptyTargetState('contoso'), null);
            const results = await Promise.allSettled(
                Array.from({ length: 8 }, (_, i) =>
                    store.save({ ...emptyTargetState('contoso'), nextSeq: 10 + i }, etag),
                ),
            );
            const won = results.filter((r) => r.status === 'fulfilled');
            const lost = results.filter((r) => r.status === 'rejected');
            expect(won).toHaveLength(1);
            expect(lost.every((r) => isConcurrencyConflict(r.reason))).toBe(true);
            const winner = results.findIndex((r) => r.status === 'fulfilled');
            expect((await store.load('contoso'))?.state.nextSeq).toBe(10 + winner);
        });

        it('keeps targets apart, including ids that are not valid row keys', async () => {
            const store = await makeStore();
            const ids = ['contoso', 'a/b#c?d\\e', 'ünïcödé target', 'x'.repeat(600), 'k_contoso'];
            for (const [i, id] of ids.entries()) await store.save({ ...emptyTargetState(id), nextSeq: i + 1 }, null);
            for (const [i, id] of ids.entries()) {
                const loaded = await store.load(id);
                expect(loaded?.state.targetId).toBe(id);
                expect(loaded?.state.nextSeq).toBe(i + 1);
            }
        });

        it('is not affected by changes to the objects it was given or returned', async () => {
            const store = await makeStore();
            const state = { ...emptyTargetState('contoso'), recentRequests: [{ requestId: 'r1', seq: 1 }] };
            await store.save(state, null);
            state.recentRequests.push({ requestId: 'r2', seq: 1 });
            const loaded = await store.load('contoso');
            expect(loaded?.state.recentRequests).toEqual([{ requestId: 'r1', seq: 1 }]);
        });

        it('stores finished runs per target and seq; a repeated put is harmless', async () => {
            const store = await makeStore();
            const run = runSummary('contoso', 3);
            await store.putRun(run);
            await store.putRun(run);
            await store.putRun(runSummary('fabrikam', 3, 'Failed'));
            expect(await store.getRun('contoso', 3)).toEqual(run);
            expect((await store.getRun('fabrikam', 3))?.outcome).toBe('Failed');
            expect(await store.getRun('contoso', 4)).toBeNull();
            expect(await store.getRun('northwind', 3)).toBeNull();
        });
    });
}

/**
 * A state with every optional part filled: window, run, wake, history with a full report.
 * @param targetId - the target
 * @param historyLength - how many finished runs to keep
 */
export function richState(targetId: string, historyLength = 3): TargetState {
    const at = Date.UTC(2026, 0, 5, 8, 0, 0);
    return {
        targetId,
        nextSeq: historyLength + 3,
        window: {
            seq: historyLength + 2,
            policy: 'Initial',
            firstChangeAt: at,
            lastChangeAt: at + 1_500,
            firstUrgentAt: at + 1_000,
            changeCount: 12,
            urgentCount: 2,
            requestCount: 4,
            kinds: { joiner: 2, attribute: 10 },
            correlationId: '0af7651916cd43dd8448eb211c80319c',
        },
        run: {
            seq: historyLength + 1,
            attempt: 2,
            phase: 'active',
            policy: 'Delta',
            changeCount: 5,
            urgentCount: 0,
            requestCount: 5,
            kinds: { group: 5 },
            correlationId: 'b7ad6b7169203331b7ad6b7169203331',
            firstChangeAt: at - 60_000,
            firstUrgentAt: null,
            windowClosedAt: at - 30_000,
            jobName: '5b3e6a8c-3f0e-4f6e-9a53-7a4f9c7d2e11',
            jobCreatedAt: at - 29_000,
            jobStartedAt: null,
            lastStatus: 'Activating',
            startDueAt: at - 30_000,
            startFailures: 1,
            nextPollAt: at + 10_000,
            polls: 3,
            workerOfflineReported: false,
            attentionSince: null,
            stopRequestedAt: null,
            stopReason: null,
            lastError: 'Simulated 503 from Automation',
        },
        lastRunStartedAt: at - 29_000,
        wake: { token: `${targetId}:17`, at: at + 10_000 },
        wakeCounter: 17,
        history: Array.from({ length: historyLength }, (_, i) => runSummary(targetId, historyLength - i)),
        recentRequests: [
            { requestId: 'r-1', seq: historyLength + 1 },
            { requestId: 'r-2', seq: historyLength + 2 },
        ],
        lastInitialAcceptedAt: at + 1_500,
    };
}

/**
 * A finished run with a full cycle report.
 * @param targetId - the target
 * @param seq - the run's seq
 * @param outcome - how it ended
 */
export function runSummary(targetId: string, seq: number, outcome: RunSummary['outcome'] = 'Succeeded'): RunSummary {
    const at = Date.UTC(2026, 0, 5, 7, 0, 0) + seq * 60_000;
    return {
        targetId,
        seq,
        attempts: 1,
        policy: 'Delta',
        jobName: `job-${seq}`,
        changeCount: 3,
        urgentCount: 1,
        requestCount: 2,
        kinds: { joiner: 1, mover: 2 },
        correlationId: `corr-${seq}`,
        firstChangeAt: at,
        firstUrgentAt: at,
        windowClosedAt: at + 5_000,
        jobCreatedAt: at + 5_100,
        jobStartedAt: at + 9_000,
        endedAt: at + 50_000,
        outcome,
        reason: outcome === 'Succeeded' ? null : 'Runbook reported a failure',
        exportErrors: 0,
        lastStatus: outcome === 'Succeeded' ? 'Completed' : 'Failed',
        report: {
            outcome,
            exportErrors: 0,
            cycleStartedAt: at + 9_500,
            cycleEndedAt: at + 49_000,
            connectors: [
                { connector: 'contoso.com', runProfile: 'Delta Import', result: 'success', adds: 1, updates: 2 },
                { connector: 'contoso.onmicrosoft.com - AAD', runProfile: 'Export', result: 'success', errors: 0 },
            ],
        },
    };
}
