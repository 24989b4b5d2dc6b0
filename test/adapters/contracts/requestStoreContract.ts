import { describe, expect, it } from 'vitest';

import type { RequestRecord } from '../../../src/domain/requestStatus';
import type { RequestStore } from '../../../src/ports/requestStore';

/** Builds a fresh, empty store for one test. */
export type RequestStoreFactory = () => Promise<RequestStore>;

const ACCEPTED_AT = Date.UTC(2026, 0, 5, 8, 0, 0);

/**
 * A request record with sensible defaults.
 * @param overrides - the fields a test cares about
 */
export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
    return {
        requestId: 'req-1',
        targetId: 'contoso',
        windowSeq: null,
        acceptedAt: ACCEPTED_AT,
        changeCount: 2,
        urgentCount: 1,
        policy: 'Delta',
        correlationId: '0af7651916cd43dd8448eb211c80319c',
        bodyHash: 'sha256:aaaa',
        idempotencyKey: null,
        ...overrides,
    };
}

/**
 * The behaviour every {@link RequestStore} must share (first writer wins, idempotent merge marks, server-side
 * listing of stranded requests). Run against the memory store and the Table store.
 * @param name - the implementation under test
 * @param makeStore - a fresh store per test
 */
export function describeRequestStoreContract(name: string, makeStore: RequestStoreFactory): void {
    describe(`RequestStore contract: ${name}`, () => {
        it('registers a new request and reads it back', async () => {
            const store = await makeStore();
            const record = requestRecord();
            expect(await store.register(record)).toEqual({ kind: 'created', record });
            expect(await store.get('req-1')).toEqual(record);
            expect(await store.get('req-2')).toBeNull();
        });

        it('without a key, a second register of the same id returns the stored one', async () => {
            const store = await makeStore();
            const first = requestRecord();
            await store.register(first);
            const again = await store.register({ ...first, bodyHash: 'sha256:bbbb' });
            expect(again).toEqual({ kind: 'existing', record: first });
        });

        it('with a key, the first writer wins and later ids are not stored', async () => {
            const store = await makeStore();
            const first = requestRecord({ idempotencyKey: 'hr-4711' });
            await store.register(first);
            const retry = await store.register(
                requestRecord({ requestId: 'req-2', idempotencyKey: 'hr-4711', bodyHash: 'sha256:bbbb' }),
            );
            expect(retry).toEqual({ kind: 'existing', record: first });
            expect(await store.get('req-2')).toBeNull();
        });

        it('scopes idempotency keys to their target', async () => {
            const store = await makeStore();
            await store.register(requestRecord({ idempotencyKey: 'k' }));
            const other = requestRecord({ requestId: 'req-2', targetId: 'fabrikam', idempotencyKey: 'k' });
            expect((await store.register(other)).kind).toBe('created');
        });

        it('accepts any caller string as key or id', async () => {
            const store = await makeStore();
            const odd = ['a/b#c?d\\e', 'ünï cödé', 'k'.repeat(2_000), 'h_abc', '\u0001control'];
            for (const [i, key] of odd.entries()) {
                const record = requestRecord({ requestId: `${key}-id`, idempotencyKey: key, acceptedAt: i });
                expect((await store.register(record)).kind).toBe('created');
                expect(await store.get(`${key}-id`)).toEqual(record);
                const again = await store.register({ ...record, requestId: `${key}-other` });
                expect(again).toEqual({ kind: 'existing', record });
            }
        });

        it('lets exactly one of many concurrent registers with one key create', async () => {
            const store = await makeStore();
            const results = await Promise.all(
                Array.from({ length: 10 }, (_, i) =>
                    store.register(requestRecord({ requestId: `req-${i}`, idempotencyKey: 'same' })),
                ),
            );
            expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
            const ids = new Set(results.map((r) => r.record.requestId));
            expect(ids.size).toBe(1);
        });

        it('marks a request merged once; later marks keep the first window', async () => {
            const store = await makeStore();
            await store.register(requestRecord());
            await store.markMerged('req-1', 4);
            await store.markMerged('req-1', 4);
            await store.markMerged('req-1', 9);
            expect((await store.get('req-1'))?.windowSeq).toBe(4);
            await expect(store.markMerged('never-registered', 1)).resolves.toBeUndefined();
        });

        it('a register after the merge returns the merged record', async () => {
            const store = await makeStore();
            await store.register(requestRecord({ idempotencyKey: 'k' }));
            await store.markMerged('req-1', 2);
            const retry = await store.register(requestRecord({ requestId: 'req-9', idempotencyKey: 'k' }));
            expect(retry.kind).toBe('existing');
            expect(retry.record.windowSeq).toBe(2);
        });

        it('lists unmerged requests accepted before a time, up to a limit', async () => {
            const store = await makeStore();
            for (let i = 0; i < 6; i++) {
                await store.register(requestRecord({ requestId: `req-${i}`, acceptedAt: ACCEPTED_AT + i * 1_000 }));
            }
            await store.markMerged('req-1', 1);
            const before = await store.listUnmerged(ACCEPTED_AT + 4_000, 100);
            expect(before.map((r) => r.requestId).sort()).toEqual(['req-0', 'req-2', 'req-3']);
            expect(before.every((r) => r.windowSeq === null)).toBe(true);
            expect(await store.listUnmerged(ACCEPTED_AT + 4_000, 2)).toHaveLength(2);
            expect(await store.listUnmerged(ACCEPTED_AT, 100)).toEqual([]);
            expect(await store.listUnmerged(ACCEPTED_AT + 60_000, 0)).toEqual([]);
        });

        it('lists unmerged requests oldest first and never a merged one', async () => {
            const store = await makeStore();
            for (const i of [3, 1, 2]) {
                await store.register(requestRecord({ requestId: `req-${i}`, acceptedAt: ACCEPTED_AT + i * 1_000 }));
            }
            await store.markMerged('req-2', 7);
            const listed = await store.listUnmerged(ACCEPTED_AT + 10_000, 100);
            expect(listed.map((r) => r.requestId)).toEqual(['req-1', 'req-3']);
            await store.markMerged('req-1', 8);
            await store.markMerged('req-3', 8);
            expect(await store.listUnmerged(ACCEPTED_AT + 10_000, 100)).toEqual([]);
        });

        it('lists exactly the one unmerged request among 1,000 merged ones', async () => {
            const store = await makeStore();
            const ids = Array.from({ length: 1_000 }, (_, i) => `merged-${i}`);
            // Chunks keep Azurite busy without flooding it.
            for (let start = 0; start < ids.length; start += 50) {
                await Promise.all(
                    ids.slice(start, start + 50).map(async (requestId, i) => {
                        await store.register(requestRecord({ requestId, acceptedAt: ACCEPTED_AT + start + i }));
                        await store.markMerged(requestId, 1);
                    }),
                );
            }
            const stranded = requestRecord({ requestId: 'stranded', acceptedAt: ACCEPTED_AT + 500 });
            await store.register(stranded);
            expect(await store.listUnmerged(ACCEPTED_AT + 60_000, 100)).toEqual([stranded]);
        }, 120_000);

        it('a retry of a stored id with a later time keeps one listing', async () => {
            const store = await makeStore();
            const first = requestRecord();
            await store.register(first);
            expect(await store.register({ ...first, acceptedAt: ACCEPTED_AT + 5_000 })).toEqual({
                kind: 'existing',
                record: first,
            });
            expect(await store.listUnmerged(ACCEPTED_AT + 60_000, 100)).toEqual([first]);
            await store.markMerged('req-1', 3);
            expect(await store.listUnmerged(ACCEPTED_AT + 60_000, 100)).toEqual([]);
        });

        it('retention deletes only requests accepted before the cutoff, oldest first, up to a limit', async () => {
            const store = await makeStore();
            const day = 86_400_000;
            const ages = [-3 * day, -2 * day, -day - 1, -1, 0, day];
            for (const [i, offset] of ages.entries()) {
                await store.register(requestRecord({ requestId: `req-${i}`, acceptedAt: ACCEPTED_AT + offset }));
            }
            await store.markMerged('req-1', 1);
            expect(await store.deleteOlderThan(ACCEPTED_AT, 2)).toBe(2);
            expect(await store.get('req-0')).toBeNull();
            expect(await store.get('req-1')).toBeNull();
            expect(await store.get('req-2')).not.toBeNull();
            expect(await store.deleteOlderThan(ACCEPTED_AT, 100)).toBe(2);
            expect(await store.deleteOlderThan(ACCEPTED_AT, 100)).toBe(0);
            const kept = ['req-4', 'req-5'];
            for (const id of kept) expect((await store.get(id))?.requestId).toBe(id);
            for (const id of ['req-2', 'req-3']) expect(await store.get(id)).toBeNull();
            // The deleted requests' markers went with them: only the kept unmerged ones are listed.
            const listed = await store.listUnmerged(ACCEPTED_AT + 2 * day, 100);
            expect(listed.map((r) => r.requestId)).toEqual(kept);
            expect(await store.deleteOlderThan(ACCEPTED_AT, 0)).toBe(0);
        });

        it('retention frees an idempotency key for a new request', async () => {
            const store = await makeStore();
            const old = requestRecord({ idempotencyKey: 'hr-4711', acceptedAt: ACCEPTED_AT - 86_400_000 });
            await store.register(old);
            await store.markMerged('req-1', 1);
            expect(await store.deleteOlderThan(ACCEPTED_AT, 100)).toBe(1);
            const fresh = requestRecord({ requestId: 'req-2', idempotencyKey: 'hr-4711' });
            expect(await store.register(fresh)).toEqual({ kind: 'created', record: fresh });
            expect(await store.get('req-1')).toBeNull();
            // Repeating retention with the same cutoff leaves the new owner of the key alone.
            expect(await store.deleteOlderThan(ACCEPTED_AT, 100)).toBe(0);
            expect((await store.register({ ...fresh, requestId: 'req-3' })).record).toEqual(fresh);
        });
    });
}
