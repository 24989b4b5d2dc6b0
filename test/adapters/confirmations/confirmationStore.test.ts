import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryConfirmationStore } from '../../../src/adapters/confirmations/memoryConfirmationStore';
import { TableConfirmationStore } from '../../../src/adapters/confirmations/tableConfirmationStore';
import { documentProperties } from '../../../src/adapters/tables/tableDocuments';
import { safeKey } from '../../../src/adapters/tables/tableKeys';
import { OBJECTS_PER_CHUNK } from '../../../src/domain/confirmationProgress';
import type { ConfirmationRecord, DirectoryObjectRef } from '../../../src/domain/entraConfirmation';
import type { ConfirmationStore } from '../../../src/ports/confirmationStore';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { createTestTable } from '../../support/tables';

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

const objectsOf = (requestId: string, n = 1): DirectoryObjectRef[] =>
    Array.from({ length: n }, (_, i) => ({ by: 'userPrincipalName', value: `${requestId}-${i}@contoso.com` }));

const record = (requestId: string, acceptedAt: number, objectCount = 1): ConfirmationRecord => ({
    requestId,
    targetId: 'connect-01',
    correlationId: `corr-${requestId}`,
    acceptedAt,
    objectCount,
    state: { phase: 'awaitingRun' },
    dueAt: acceptedAt,
    etag: null,
});

async function stored(store: ConfirmationStore, requestId: string): Promise<ConfirmationRecord> {
    const r = await store.get(requestId);
    if (r === null) throw new Error(`${requestId} not stored`);
    return r;
}

/** The port's contract, for every adapter. */
describe.each([
    ['memory', () => Promise.resolve(new MemoryConfirmationStore())],
    ['Azure Table Storage (Azurite)', async () => new TableConfirmationStore(await createTestTable(azurite))],
] as const)('ConfirmationStore: %s', (_name, make: () => Promise<ConfirmationStore>) => {
    it('creates once (a retried submission keeps the first record and its objects) and reads it back with an etag', async () => {
        const store = await make();
        await store.create(record('r1', 1000), objectsOf('r1'));
        await store.create(record('r1', 1000), objectsOf('other', 3));
        const r1 = await stored(store, 'r1');
        expect(r1).toMatchObject({ requestId: 'r1', objectCount: 1, dueAt: 1000 });
        expect(r1.etag).toEqual(expect.any(String));
        expect((await store.readObjects(r1)).flatMap((c) => c.refs)).toEqual(objectsOf('r1'));
        expect(await store.get('unknown')).toBeNull();
    });

    it('keeps 5,000 objects with 100-character UPNs (far more than one entity holds) in chunks, in order', async () => {
        const store = await make();
        const long = Array.from({ length: 5000 }, (_, i): DirectoryObjectRef => ({
            by: 'userPrincipalName',
            value: `${String(i).padStart(5, '0')}.${'x'.repeat(80)}@long-subsidiary.contoso.com`.slice(0, 100),
        }));
        await store.create(record('big', 1000, 5000), long);
        const chunks = await store.readObjects(await stored(store, 'big'));
        expect(chunks).toHaveLength(Math.ceil(5000 / OBJECTS_PER_CHUNK));
        expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
        expect(chunks.flatMap((c) => c.refs)).toEqual(long);
        expect(chunks.every((c) => c.progress.every((p) => p.s === 'open' && p.answeredRound === -1))).toBe(true);
    }, 60_000);

    it('updates only with the current etag: a concurrent pass loses, never overwrites', async () => {
        const store = await make();
        await store.create(record('r1', 1000), objectsOf('r1'));
        const first = await stored(store, 'r1');
        const next = {
            state: { phase: 'awaitingExtraRun', extraRuns: 1, dueAt: 5, extraRequestId: null },
            dueAt: 5,
        } as const;
        const saved = await store.update(first, next);
        expect(saved).toMatchObject({ state: next.state, dueAt: 5 });
        expect(saved?.etag).not.toBe(first.etag);
        expect(
            await store.update(first, { state: { phase: 'confirmed', confirmedAt: 9, extraRuns: 0 }, dueAt: 9 }),
        ).toBeNull();
        expect((await stored(store, 'r1')).state).toEqual(next.state);
    });

    it('lists the records due, earliest first, not the final ones nor those due later; a served one moves behind', async () => {
        const store = await make();
        await store.create(record('late', 3000), objectsOf('late'));
        await store.create(record('early', 1000), objectsOf('early'));
        await store.create(record('done', 2000), objectsOf('done'));
        await store.create(record('future', 9000), objectsOf('future'));
        await store.update(await stored(store, 'done'), {
            state: { phase: 'confirmed', confirmedAt: 2500, extraRuns: 0 },
            dueAt: 2500,
        });
        expect((await store.listDue(5000, 10)).map((r) => r.requestId)).toEqual(['early', 'late']);
        expect((await store.listDue(5000, 1)).map((r) => r.requestId)).toEqual(['early']);
        // Served at 5000: now behind 'late', which was waiting.
        await store.update(await stored(store, 'early'), { state: { phase: 'awaitingRun' }, dueAt: 5000 });
        expect((await store.listDue(5000, 10)).map((r) => r.requestId)).toEqual(['late', 'early']);
        expect((await store.listDue(9000, 10)).map((r) => r.requestId)).toEqual(['late', 'early', 'future']);
    });

    it('saves changed chunks only with their current etag', async () => {
        const store = await make();
        await store.create(record('r1', 1000, 300), objectsOf('r1', 300));
        const r1 = await stored(store, 'r1');
        const [first, second] = await store.readObjects(r1);
        if (first === undefined || second === undefined) throw new Error('two chunks expected');
        const found = { ...second, progress: second.progress.map(() => ({ s: 'found', at: 7 }) as const) };
        expect(await store.saveObjects(r1, [found])).toBe(true);
        expect(await store.saveObjects(r1, [found])).toBe(false);
        const [again0, again1] = await store.readObjects(r1);
        expect(again0?.progress).toEqual(first.progress);
        expect(again1?.progress.every((p) => p.s === 'found')).toBe(true);
    });

    it('retention deletes records of requests accepted before the cut-off, open or final, with their objects and markers', async () => {
        const store = await make();
        await store.create(record('old-open', 1000, 260), objectsOf('old-open', 260));
        await store.create(record('old-final', 2000), objectsOf('old-final'));
        await store.create(record('recent', 9000), objectsOf('recent'));
        const oldOpen = await stored(store, 'old-open');
        await store.update(await stored(store, 'old-final'), {
            state: { phase: 'confirmed', confirmedAt: 2500, extraRuns: 0 },
            dueAt: 2500,
        });
        expect(await store.deleteOlderThan(5000, 10)).toBe(2);
        expect(await store.get('old-open')).toBeNull();
        expect(await store.get('old-final')).toBeNull();
        expect(await store.readObjects(oldOpen)).toEqual([]);
        expect((await store.listDue(10_000, 10)).map((r) => r.requestId)).toEqual(['recent']);
        expect(await store.deleteOlderThan(5000, 10)).toBe(0);
    });
});

describe('TableConfirmationStore: what earlier versions stored, and crashes between its writes', () => {
    let table: TableClient;
    let store: TableConfirmationStore;
    beforeAll(async () => {
        table = await createTestTable(azurite);
        store = new TableConfirmationStore(table);
    });

    it('a record written before chunks (objects inline, acceptance-keyed marker) is listed, and its objects move into chunks', async () => {
        const legacy = {
            requestId: 'legacy',
            targetId: 'connect-01',
            correlationId: 'corr-legacy',
            acceptedAt: 1000,
            objects: objectsOf('legacy', 2),
            state: { phase: 'awaitingExtraRun', extraRuns: 1, dueAt: 1500, extraRequestId: 'extra-1' },
        };
        await table.createEntity({
            partitionKey: 'entra-confirmation-open',
            rowKey: `${'1000'.padStart(15, '0')}|${safeKey('legacy')}`,
            requestId: 'legacy',
        });
        await table.createEntity({
            partitionKey: 'entra-confirmation',
            rowKey: safeKey('legacy'),
            acceptedAt: 1000,
            ...documentProperties(legacy, 'confirmation'),
        });
        const [listed] = await store.listDue(2000, 10);
        expect(listed).toMatchObject({ requestId: 'legacy', objectCount: 2, dueAt: 1000, state: legacy.state });
        if (listed === undefined) throw new Error('not listed');
        // Moved on: the inline objects are gone from the record, and live in their chunk.
        const moved = await store.update(listed, { state: listed.state, dueAt: 3000 });
        if (moved === null) throw new Error('not updated');
        expect((await store.readObjects(moved)).flatMap((c) => c.refs)).toEqual(legacy.objects);
        expect((await store.listDue(2000, 10)).map((r) => r.requestId)).toEqual([]);
        expect((await store.listDue(3000, 10)).map((r) => r.requestId)).toEqual(['legacy']);
    });

    it('a legacy final answer that listed its missing objects reads as their number', async () => {
        const legacy = {
            requestId: 'legacy-final',
            targetId: 'connect-01',
            correlationId: 'c',
            acceptedAt: 1000,
            objects: objectsOf('legacy-final', 2),
            state: {
                phase: 'notVisible',
                reason: 'neverSynced',
                checkedAt: 5,
                missing: objectsOf('legacy-final', 2),
                extraRuns: 1,
            },
        };
        await table.createEntity({
            partitionKey: 'entra-confirmation',
            rowKey: safeKey('legacy-final'),
            acceptedAt: 1000,
            ...documentProperties(legacy, 'confirmation'),
        });
        expect((await store.get('legacy-final'))?.state).toEqual({
            phase: 'notVisible',
            reason: 'neverSynced',
            checkedAt: 5,
            missing: 2,
            lookupFailed: 0,
            lookupFailure: null,
            extraRuns: 1,
        });
    });

    it('a marker left by a crash (record moved on, or gone) is tidied up, and the record is listed once', async () => {
        await store.create(record('crashed', 1000), objectsOf('crashed'));
        const moved = await store.update(await stored(store, 'crashed'), {
            state: { phase: 'awaitingRun' },
            dueAt: 1500,
        });
        expect(moved).not.toBeNull();
        // As if the old marker's delete had been lost, and one marker pointed at a record that never was.
        await table.upsertEntity({
            partitionKey: 'entra-confirmation-open',
            rowKey: `${'1000'.padStart(15, '0')}|${safeKey('crashed')}`,
            requestId: 'crashed',
        });
        await table.upsertEntity({
            partitionKey: 'entra-confirmation-open',
            rowKey: `${'1200'.padStart(15, '0')}|${safeKey('ghost')}`,
            requestId: 'ghost',
        });
        expect((await store.listDue(2000, 10)).map((r) => r.requestId)).toEqual(['crashed']);
        const markers = [];
        for await (const m of table.listEntities({
            queryOptions: { filter: "PartitionKey eq 'entra-confirmation-open'" },
        }))
            markers.push(m.rowKey);
        expect(
            markers.filter((k) => k?.endsWith(safeKey('crashed')) === true || k?.endsWith(safeKey('ghost')) === true),
        ).toEqual([`${'1500'.padStart(15, '0')}|${safeKey('crashed')}`]);
    });
});
