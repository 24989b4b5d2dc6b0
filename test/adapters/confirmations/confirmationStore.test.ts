import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryConfirmationStore } from '../../../src/adapters/confirmations/memoryConfirmationStore';
import { TableConfirmationStore } from '../../../src/adapters/confirmations/tableConfirmationStore';
import type { ConfirmationRecord } from '../../../src/domain/entraConfirmation';
import type { ConfirmationStore } from '../../../src/ports/confirmationStore';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { createTestTable } from '../../support/tables';

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

const record = (requestId: string, acceptedAt: number): ConfirmationRecord => ({
    requestId,
    targetId: 'connect-01',
    correlationId: `corr-${requestId}`,
    acceptedAt,
    objects: [{ by: 'userPrincipalName', value: `${requestId}@contoso.com` }],
    state: { phase: 'awaitingRun' },
    etag: null,
});

/** The port's contract, for every adapter. */
describe.each([
    ['memory', () => Promise.resolve(new MemoryConfirmationStore())],
    ['Azure Table Storage (Azurite)', async () => new TableConfirmationStore(await createTestTable(azurite))],
] as const)('ConfirmationStore: %s', (_name, make: () => Promise<ConfirmationStore>) => {
    it('creates once (a retried submission keeps the first record) and reads it back with an etag', async () => {
        const store = await make();
        await store.create(record('r1', 1000));
        await store.create({ ...record('r1', 1000), objects: [] });
        const stored = await store.get('r1');
        expect(stored).toMatchObject({
            requestId: 'r1',
            objects: [{ by: 'userPrincipalName', value: 'r1@contoso.com' }],
        });
        expect(stored?.etag).toEqual(expect.any(String));
        expect(await store.get('unknown')).toBeNull();
    });

    it('updates only with the current etag: a concurrent pass loses, never overwrites', async () => {
        const store = await make();
        await store.create(record('r1', 1000));
        const first = await store.get('r1');
        if (first === null) throw new Error('not stored');
        const next = {
            ...first,
            state: { phase: 'awaitingExtraRun', extraRuns: 1, dueAt: 5, extraRequestId: null },
        } as const;
        expect(await store.update(next)).toBe(true);
        expect(await store.update({ ...first, state: { phase: 'confirmed', confirmedAt: 9, extraRuns: 0 } })).toBe(
            false,
        );
        expect((await store.get('r1'))?.state).toEqual(next.state);
    });

    it('lists open confirmations oldest first, and not the final ones', async () => {
        const store = await make();
        await store.create(record('late', 3000));
        await store.create(record('early', 1000));
        await store.create(record('done', 2000));
        const done = await store.get('done');
        if (done === null) throw new Error('not stored');
        await store.update({ ...done, state: { phase: 'confirmed', confirmedAt: 2500, extraRuns: 0 } });
        expect((await store.listOpen(10)).map((r) => r.requestId)).toEqual(['early', 'late']);
        expect((await store.listOpen(1)).map((r) => r.requestId)).toEqual(['early']);
    });

    it('retention deletes records of requests accepted before the cut-off, open or final, and their markers', async () => {
        const store = await make();
        await store.create(record('old-open', 1000));
        await store.create(record('old-final', 2000));
        await store.create(record('recent', 9000));
        const final = await store.get('old-final');
        if (final === null) throw new Error('not stored');
        await store.update({ ...final, state: { phase: 'confirmed', confirmedAt: 2500, extraRuns: 0 } });
        expect(await store.deleteOlderThan(5000, 10)).toBe(2);
        expect(await store.get('old-open')).toBeNull();
        expect(await store.get('old-final')).toBeNull();
        expect((await store.listOpen(10)).map((r) => r.requestId)).toEqual(['recent']);
        expect(await store.deleteOlderThan(5000, 10)).toBe(0);
    });
});
