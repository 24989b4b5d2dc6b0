import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTableClient, createTableStores, isLoopbackHttp } from '../../../src/adapters/tables/tableClients';
import { emptyTargetState } from '../../../src/domain/targetState';
import { isConfigError, isPermanentDependencyError } from '../../../src/errors';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { uniqueTableName } from '../../support/tables';
import { requestRecord } from '../contracts/requestStoreContract';

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

describe('isLoopbackHttp', () => {
    it.each([
        ['UseDevelopmentStorage=true', true],
        ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://127.0.0.1:10002/a;', true],
        ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://localhost:10002/a', true],
        ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k;TableEndpoint=http://storage.example.com/a', false],
        ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net', false],
    ])('%s → %s', (connectionString, expected) => {
        expect(isLoopbackHttp(connectionString)).toBe(expected);
    });
});

describe('createTableStores', () => {
    it('builds both stores from a connection string config; ensureTables is repeatable', async () => {
        const config = {
            storage: { kind: 'connectionString', connectionString: azurite.connectionString } as const,
            stateTableName: uniqueTableName('state'),
            requestTableName: uniqueTableName('requests'),
        };
        const stores = createTableStores(config);
        await expect(stores.stateStore.load('contoso')).rejects.toSatisfy(isPermanentDependencyError);
        await stores.ensureTables();
        await stores.ensureTables();
        await stores.stateStore.save(emptyTargetState('contoso', 'e0000001'), null);
        await stores.requestStore.register(requestRecord());
        // Another process with the same config sees the same data.
        const again = createTableStores(config);
        expect((await again.stateStore.load('contoso'))?.state).toEqual(emptyTargetState('contoso', 'e0000001'));
        expect(await again.requestStore.get('req-1')).toEqual(requestRecord());
    });

    it('names the storage setting when none is configured', () => {
        let caught: unknown;
        try {
            createTableStores({ storage: null, stateTableName: 'state', requestTableName: 'requests' });
        } catch (e) {
            caught = e;
        }
        expect(isConfigError(caught)).toBe(true);
        expect(String(caught)).toMatch(/AzureWebJobsStorage/);
    });

    it('uses the table service URI and the given credential for identity-based storage', () => {
        const credential = { getToken: () => Promise.resolve(null) };
        const client = createTableClient(
            { kind: 'identity', tableServiceUri: 'https://stsync.table.core.windows.net', clientId: 'client-id' },
            'state',
            { credential },
        );
        expect(client.url).toBe('https://stsync.table.core.windows.net');
        expect(client.tableName).toBe('state');
    });
});
