import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MemoryTargetStateStore } from '../../../src/adapters/memory';
import { safeKey } from '../../../src/adapters/tables/tableKeys';
import { TableTargetStateStore, TARGET_PARTITION } from '../../../src/adapters/tables/tableTargetStateStore';
import { HISTORY_LIMIT, MERGED_REQUEST_LIMIT, type TargetState } from '../../../src/domain/targetState';
import { isPermanentDependencyError, isTransientDependencyError } from '../../../src/errors';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { createTestTable, uniqueTableName } from '../../support/tables';
import { richState, runSummary } from '../../support/targetStateFixtures';
import { describeTargetStateStoreContract } from '../contracts/targetStateStoreContract';

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

describeTargetStateStoreContract('memory', () => Promise.resolve(new MemoryTargetStateStore()));
describeTargetStateStoreContract('Azure Table Storage (Azurite)', async () => {
    return new TableTargetStateStore(await createTestTable(azurite));
});

/** The largest state the engine can produce: full history with long reasons, full merged-request list. */
function largestState(): TargetState {
    const base = richState('contoso', HISTORY_LIMIT);
    return {
        ...base,
        history: base.history.map((run) => ({
            ...run,
            report: {
                ...run.report,
                reason: 'q'.repeat(1_000),
                connectors: Array.from({ length: 8 }, (_, i) => ({
                    connector: `connector-${i}-${'c'.repeat(60)}`,
                    runProfile: 'Delta Synchronization',
                    result: 'completed-export-errors',
                    adds: 1,
                    updates: 2,
                    deletes: 3,
                    errors: 4,
                })),
            },
        })),
        recentRequests: Array.from({ length: MERGED_REQUEST_LIMIT }, (_, i) => ({
            requestId: `${i}-5b3e6a8c-3f0e-4f6e-9a53-7a4f9c7d2e11`,
            seq: i,
        })),
    };
}

describe('TableTargetStateStore (Azurite only)', () => {
    it('splits a state larger than one string property across properties and reads it back', async () => {
        const store = new TableTargetStateStore(await createTestTable(azurite));
        const state = largestState();
        expect(JSON.stringify(state).length).toBeGreaterThan(60_000);
        const etag = await store.save(state, null);
        expect(await store.load('contoso')).toEqual({ state, etag });
        // Shrinking again must not leave stale chunks behind (Replace, not Merge).
        const small = { ...state, history: [], recentRequests: [] };
        const next = await store.save(small, etag);
        expect(await store.load('contoso')).toEqual({ state: small, etag: next });
    });

    it('fails a state beyond the entity limit permanently, with the reason', async () => {
        const store = new TableTargetStateStore(await createTestTable(azurite));
        const huge = { ...richState('contoso'), recentRequests: [{ requestId: 'x'.repeat(500_000), seq: 1 }] };
        const saving = store.save(huge, null);
        await expect(saving).rejects.toSatisfy(isPermanentDependencyError);
        await expect(saving).rejects.toThrow(/an entity holds at most/);
    });

    it('refuses a stored state that does not parse, instead of trusting it', async () => {
        const table = await createTestTable(azurite);
        await table.createEntity({
            partitionKey: TARGET_PARTITION,
            rowKey: safeKey('contoso'),
            jsonChunks: 1,
            json0: JSON.stringify({ targetId: 'contoso', nextSeq: 'one' }),
        });
        const loading = new TableTargetStateStore(table).load('contoso');
        await expect(loading).rejects.toSatisfy(isPermanentDependencyError);
        await expect(loading).rejects.toThrow(/does not match/);
    });

    it('reports a missing table as permanent rather than as an empty target', async () => {
        const table = TableClient.fromConnectionString(azurite.connectionString, uniqueTableName(), {
            allowInsecureConnection: true,
        });
        const store = new TableTargetStateStore(table);
        await expect(store.load('contoso')).rejects.toSatisfy(isPermanentDependencyError);
        await expect(store.putRun(runSummary('contoso', 1))).rejects.toSatisfy(isPermanentDependencyError);
    });

    it('reports an unreachable endpoint as transient', async () => {
        const closed = azurite.connectionString.replace(`:${azurite.port}/`, ':1/');
        const table = TableClient.fromConnectionString(closed, 'state', {
            allowInsecureConnection: true,
            retryOptions: { maxRetries: 0 },
        });
        await expect(new TableTargetStateStore(table).load('contoso')).rejects.toSatisfy(isTransientDependencyError);
    });
});
