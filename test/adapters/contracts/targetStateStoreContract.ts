import { describe, expect, it } from 'vitest';

import { emptyTargetState } from '../../../src/domain/targetState';
import { isConcurrencyConflict } from '../../../src/errors';
import type { TargetStateStore } from '../../../src/ports/targetStateStore';
import { richState, runSummary } from '../../support/targetStateFixtures';

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
            await store.save(emptyTargetState('contoso', 'e0000001'), null);
            const second = store.save({ ...emptyTargetState('contoso', 'e0000001'), nextSeq: 7 }, null);
            await expect(second).rejects.toSatisfy(isConcurrencyConflict);
            expect((await store.load('contoso'))?.state.nextSeq).toBe(1);
        });

        it('saves with the current ETag and refuses the stale one', async () => {
            const store = await makeStore();
            const first = await store.save(emptyTargetState('contoso', 'e0000001'), null);
            const second = await store.save({ ...emptyTargetState('contoso', 'e0000001'), nextSeq: 2 }, first);
            expect(second).not.toBe(first);
            const stale = store.save({ ...emptyTargetState('contoso', 'e0000001'), nextSeq: 3 }, first);
            await expect(stale).rejects.toSatisfy(isConcurrencyConflict);
            const loaded = await store.load('contoso');
            expect(loaded?.state.nextSeq).toBe(2);
            expect(loaded?.etag).toBe(second);
        });

        it('lets exactly one of many racing saves from the same ETag win', async () => {
            const store = await makeStore();
            const etag = await store.save(emptyTargetState('contoso', 'e0000001'), null);
            const results = await Promise.allSettled(
                Array.from({ length: 8 }, (_, i) =>
                    store.save({ ...emptyTargetState('contoso', 'e0000001'), nextSeq: 10 + i }, etag),
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
            for (const [i, id] of ids.entries())
                await store.save({ ...emptyTargetState(id, 'e0000001'), nextSeq: i + 1 }, null);
            for (const [i, id] of ids.entries()) {
                const loaded = await store.load(id);
                expect(loaded?.state.targetId).toBe(id);
                expect(loaded?.state.nextSeq).toBe(i + 1);
            }
        });

        it('is not affected by changes to the objects it was given or returned', async () => {
            const store = await makeStore();
            const state = { ...emptyTargetState('contoso', 'e0000001'), recentRequests: [{ requestId: 'r1', seq: 1 }] };
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
            expect((await store.getRun('fabrikam', 3))?.report.outcome).toBe('Failed');
            expect(await store.getRun('contoso', 4)).toBeNull();
            expect(await store.getRun('northwind', 3)).toBeNull();
        });
    });
}
