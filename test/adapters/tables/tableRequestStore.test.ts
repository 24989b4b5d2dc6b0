import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryRequestStore } from '../../../src/adapters/memory';
import { safeKey } from '../../../src/adapters/tables/tableKeys';
import {
    dayPartition,
    REQUEST_PARTITION,
    TableRequestStore,
    UNMERGED_PARTITION,
} from '../../../src/adapters/tables/tableRequestStore';
import { isPermanentDependencyError } from '../../../src/errors';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { createTestTable } from '../../support/tables';
import { describeRequestStoreContract, requestRecord } from '../contracts/requestStoreContract';

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

describeRequestStoreContract('memory', () => Promise.resolve(new MemoryRequestStore()));
describeRequestStoreContract('Azure Table Storage (Azurite)', async () => {
    return new TableRequestStore(await createTestTable(azurite));
});

/** The same client, except that the `failAt`-th createEntity call throws as a crashed process would stop. */
function crashingOnCreate(table: TableClient, failAt: number): TableClient {
    let creates = 0;
    return new Proxy(table, {
        get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (property !== 'createEntity' || typeof value !== 'function') return value;
            return (...args: unknown[]): unknown => {
                creates++;
                if (creates === failAt) return Promise.reject(new Error('simulated crash'));
                return Reflect.apply(value, target, args);
            };
        },
    });
}

/** The same client, counting point reads and recording the filter of every query. */
function observed(table: TableClient): { client: TableClient; reads: () => number; filters: string[] } {
    let reads = 0;
    const filters: string[] = [];
    const client = new Proxy(table, {
        get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]): unknown => {
                if (property === 'getEntity') reads++;
                if (property === 'listEntities') filters.push(JSON.stringify(args[0] ?? null));
                return Reflect.apply(value, target, args);
            };
        },
    });
    return { client, reads: () => reads, filters };
}

/**
 * The same client, except that its first createEntity of a request row waits until the test opens the gate, so
 * a test can run another writer at exactly that step.
 */
function pausedBeforeRequestRow(table: TableClient): { client: TableClient; reached: Promise<void>; open: () => void } {
    let signalReached = (): void => undefined;
    const reached = new Promise<void>((resolve) => (signalReached = resolve));
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let paused = false;
    const client = new Proxy(table, {
        get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (property !== 'createEntity' || typeof value !== 'function') return value;
            return async (...args: unknown[]): Promise<unknown> => {
                const entity: unknown = args[0];
                const isRequestRow =
                    typeof entity === 'object' &&
                    entity !== null &&
                    'partitionKey' in entity &&
                    entity.partitionKey === REQUEST_PARTITION;
                if (isRequestRow && !paused) {
                    paused = true;
                    signalReached();
                    await gate;
                }
                return Reflect.apply(value, target, args);
            };
        },
    });
    return { client, reached, open };
}

/** Every row in the table as `partition/row`, to see exactly what a store left behind. */
async function allRows(table: TableClient): Promise<string[]> {
    const rows: string[] = [];
    for await (const entity of table.listEntities()) rows.push(`${entity.partitionKey}/${entity.rowKey}`);
    return rows.sort();
}

describe('TableRequestStore (Azurite only)', () => {
    it('listUnmerged queries only the marker partition and reads only requests that have a marker', async () => {
        const table = await createTestTable(azurite);
        const writer = new TableRequestStore(table);
        for (let i = 0; i < 200; i++) {
            await writer.register(requestRecord({ requestId: `m-${i}`, acceptedAt: i }));
            await writer.markMerged(`m-${i}`, 1);
        }
        await writer.register(requestRecord({ requestId: 'stranded', acceptedAt: 50 }));
        const { client, reads, filters } = observed(table);
        const listed = await new TableRequestStore(client).listUnmerged(1_000, 100);
        expect(listed.map((r) => r.requestId)).toEqual(['stranded']);
        expect(reads()).toBe(1);
        expect(filters).toHaveLength(1);
        expect(filters[0]).toContain(`PartitionKey eq '${UNMERGED_PARTITION}'`);
    });

    it('leaves no row behind once retention deleted a keyed request', async () => {
        const table = await createTestTable(azurite);
        const store = new TableRequestStore(table);
        const old = requestRecord({ idempotencyKey: 'hr-4711', acceptedAt: Date.UTC(2026, 0, 1, 12) });
        await store.register(old);
        expect(await allRows(table)).toHaveLength(4);
        await store.markMerged('req-1', 1);
        expect(await allRows(table)).toHaveLength(3);
        await store.register(requestRecord({ requestId: 'req-new', acceptedAt: Date.UTC(2026, 0, 3) }));
        const { client, filters } = observed(table);
        expect(await new TableRequestStore(client).deleteOlderThan(Date.UTC(2026, 0, 2), 100)).toBe(1);
        // A midnight cutoff reads old days only, never the cutoff's own day.
        expect(filters[0]).toContain(`PartitionKey le '${dayPartition(Date.UTC(2026, 0, 1))}'`);
        expect(await allRows(table)).toEqual([
            `${dayPartition(Date.UTC(2026, 0, 3))}/${safeKey('req-new')}`,
            `${REQUEST_PARTITION}/${safeKey('req-new')}`,
            expect.stringMatching(new RegExp(`^${UNMERGED_PARTITION}/`)),
        ]);
    });

    it('a register that died after its index rows leaves nothing listed, and retention removes the rows', async () => {
        const table = await createTestTable(azurite);
        const record = requestRecord({ acceptedAt: Date.UTC(2026, 0, 1, 12) });
        // Without a key the request row is the first createEntity; the day row and marker were upserted before.
        await expect(new TableRequestStore(crashingOnCreate(table, 1)).register(record)).rejects.toThrow();
        const store = new TableRequestStore(table);
        expect(await allRows(table)).toHaveLength(2);
        expect(await store.listUnmerged(Date.UTC(2026, 1, 1), 100)).toEqual([]);
        expect(await store.deleteOlderThan(Date.UTC(2026, 0, 2), 100)).toBe(1);
        expect(await allRows(table)).toEqual([]);
    });

    it('converges when the first writer died between the index row and the request row', async () => {
        const table = await createTestTable(azurite);
        const first = requestRecord({ requestId: 'req-first', idempotencyKey: 'hr-4711' });
        // The index row is create #1, the request row #2: die at #2.
        const dying = new TableRequestStore(crashingOnCreate(table, 2));
        await expect(dying.register(first)).rejects.toThrow(/Registering a request/);

        const store = new TableRequestStore(table);
        expect(await store.get('req-first')).toBeNull();
        const retry = await store.register(requestRecord({ requestId: 'req-retry', idempotencyKey: 'hr-4711' }));
        expect(retry).toEqual({ kind: 'existing', record: first });
        // The stranded request now exists, unmerged, so the caller (or reconcile) merges it.
        expect(await store.get('req-first')).toEqual(first);
        expect(await store.get('req-retry')).toBeNull();
        expect((await store.listUnmerged(first.acceptedAt + 1, 10)).map((r) => r.requestId)).toEqual(['req-first']);
    });

    // Two deliveries of one key on two instances. The first writer creates the idempotency row, then pauses just
    // before its request row; the second finds the key taken and no request row, so it completes the first
    // writer's request from the index copy. The first writer then gets 409 on its own request row.
    it('the first writer of a key is the one created even when a duplicate completed its request row first', async () => {
        const table = await createTestTable(azurite);
        const firstRecord = requestRecord({ requestId: 'req-first', idempotencyKey: 'hr-4711' });
        const paused = pausedBeforeRequestRow(table);
        const first = new TableRequestStore(paused.client).register(firstRecord);
        await paused.reached;

        const duplicate = await new TableRequestStore(table).register(
            requestRecord({ requestId: 'req-duplicate', idempotencyKey: 'hr-4711' }),
        );
        paused.open();
        const results = [await first, duplicate];

        expect(results.map((r) => r.kind)).toEqual(['created', 'existing']);
        expect(results.map((r) => r.record)).toEqual([firstRecord, firstRecord]);
        const store = new TableRequestStore(table);
        expect(await store.get('req-duplicate')).toBeNull();
        expect((await store.listUnmerged(firstRecord.acceptedAt + 1, 10)).map((r) => r.requestId)).toEqual([
            'req-first',
        ]);
    });

    // The other order: the duplicate finds no request row, then pauses before writing it; the first writer
    // creates its request row meanwhile, and the duplicate's completion gets 409 and returns the stored row.
    it('a duplicate that pauses before completing the request row still reports existing', async () => {
        const table = await createTestTable(azurite);
        const firstRecord = requestRecord({ requestId: 'req-first', idempotencyKey: 'hr-4711' });
        // The first writer's index row is in place, as if its request row were still on the way.
        const crashed = new TableRequestStore(crashingOnCreate(table, 2));
        await expect(crashed.register(firstRecord)).rejects.toThrow(/Registering a request/);
        const paused = pausedBeforeRequestRow(table);
        const duplicate = new TableRequestStore(paused.client).register(
            requestRecord({ requestId: 'req-duplicate', idempotencyKey: 'hr-4711' }),
        );
        await paused.reached;
        // The first writer's retry of its own request row (the same id and record) lands first.
        const retry = await new TableRequestStore(table).register(firstRecord);
        paused.open();
        const results = [retry, await duplicate];

        expect(results.map((r) => r.kind)).toEqual(['existing', 'existing']);
        expect(results.map((r) => r.record)).toEqual([firstRecord, firstRecord]);
        expect(await new TableRequestStore(table).get('req-duplicate')).toBeNull();
    });

    it('a retry of the same crashed request finds its own index row', async () => {
        const table = await createTestTable(azurite);
        const record = requestRecord({ idempotencyKey: 'k' });
        await expect(new TableRequestStore(crashingOnCreate(table, 2)).register(record)).rejects.toThrow();
        const store = new TableRequestStore(table);
        expect(await store.register(record)).toEqual({ kind: 'existing', record });
        expect(await store.register(record)).toEqual({ kind: 'existing', record });
    });

    it('refuses a stored request that does not parse', async () => {
        const table = await createTestTable(azurite);
        const store = new TableRequestStore(table);
        await store.register(requestRecord());
        const row = { partitionKey: REQUEST_PARTITION, rowKey: safeKey('req-1') };
        await table.updateEntity({ ...row, json0: '{"requestId":1}' }, 'Merge');
        await expect(store.get('req-1')).rejects.toSatisfy(isPermanentDependencyError);
    });
});
