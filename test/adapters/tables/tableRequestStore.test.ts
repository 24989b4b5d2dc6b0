import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryRequestStore } from '../../../src/adapters/memory';
import { safeKey } from '../../../src/adapters/tables/tableKeys';
import { REQUEST_PARTITION, TableRequestStore } from '../../../src/adapters/tables/tableRequestStore';
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

describe('TableRequestStore (Azurite only)', () => {
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
