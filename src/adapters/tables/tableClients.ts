import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

import { ConfigError } from '../../errors';
import { toDependencyError } from './tableErrors';
import { TableRequestStore } from './tableRequestStore';
import { TableTargetStateStore } from './tableTargetStateStore';

/** Storage: a connection string (Azurite, dev) or an identity-based table endpoint. */
export type StorageConnection =
    | { readonly kind: 'connectionString'; readonly connectionString: string }
    | { readonly kind: 'identity'; readonly tableServiceUri: string; readonly clientId: string | null };

/** The table stores' own settings (the validated config has this shape). */
export interface TableStoreSettings {
    readonly storage: StorageConnection | null;
    readonly stateTableName: string;
    readonly requestTableName: string;
}

/** The two tables the service uses, as clients. */
interface TableClients {
    readonly state: TableClient;
    readonly requests: TableClient;
}

export interface TableClientFactoryOptions {
    /** Used instead of building one from the config (tests, or a credential shared by the whole process). */
    readonly credential?: TokenCredential;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Builds a TableClient for one table from the configured storage connection: a connection string (Azurite's
 * `UseDevelopmentStorage=true` or an explicit one) or identity-based (`tableServiceUri` with the managed identity
 * of `clientId`, else `DefaultAzureCredential`).
 * @param connection - `config.storage`
 * @param tableName - the table
 * @param options - optional credential override
 */
export function createTableClient(
    connection: StorageConnection,
    tableName: string,
    options: TableClientFactoryOptions = {},
): TableClient {
    if (connection.kind === 'connectionString') {
        const clientOptions: TableServiceClientOptions = {
            // Azurite speaks plain HTTP on loopback; anything else keeps the SDK's HTTPS requirement.
            allowInsecureConnection: isLoopbackHttp(connection.connectionString),
        };
        try {
            return TableClient.fromConnectionString(connection.connectionString, tableName, clientOptions);
        } catch {
            // The SDK's own message may quote the string (which holds the account key); name the setting instead.
            throw new ConfigError(
                'AzureWebJobsStorage',
                'is not a storage connection string (AccountName, AccountKey and endpoints, or UseDevelopmentStorage=true)',
            );
        }
    }
    const credential =
        options.credential ??
        (connection.clientId === null
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential({ clientId: connection.clientId }));
    return new TableClient(connection.tableServiceUri, tableName, credential);
}

/**
 * Both tables' clients from the config.
 * @param config - the loaded config; `storage` must be set
 * @param options - optional credential override
 */
function createTableClients(config: TableStoreSettings, options: TableClientFactoryOptions = {}): TableClients {
    if (config.storage === null) {
        throw new ConfigError(
            'AzureWebJobsStorage',
            'is required for table storage (a connection string, or AzureWebJobsStorage__tableServiceUri)',
        );
    }
    return {
        state: createTableClient(config.storage, config.stateTableName, options),
        requests: createTableClient(config.storage, config.requestTableName, options),
    };
}

/** The Table-backed ports, and the start-up step that creates their tables. */
export interface TableStores {
    readonly stateStore: TableTargetStateStore;
    readonly requestStore: TableRequestStore;
    /** Creates both tables when missing; an existing table is fine. Call once at start. */
    ensureTables(): Promise<void>;
}

/**
 * The composition root's entry point for storage.
 * @param config - the loaded config; `storage` must be set
 * @param options - optional credential override
 */
export function createTableStores(config: TableStoreSettings, options: TableClientFactoryOptions = {}): TableStores {
    const clients = createTableClients(config, options);
    return {
        stateStore: new TableTargetStateStore(clients.state),
        requestStore: new TableRequestStore(clients.requests),
        ensureTables: () => ensureTables(clients.state, clients.requests),
    };
}

/**
 * Creates tables that are missing. `createTable` itself treats 409 TableAlreadyExists as success.
 * @param tables - clients of the tables to create
 */
async function ensureTables(...tables: readonly TableClient[]): Promise<void> {
    for (const table of tables) {
        try {
            await table.createTable();
        } catch (e) {
            throw toDependencyError(e, `Creating table ${table.tableName}`);
        }
    }
}

/**
 * Whether a connection string points at a plain-HTTP loopback endpoint (Azurite).
 * @param connectionString - the storage connection string
 */
export function isLoopbackHttp(connectionString: string): boolean {
    const parts = new Map<string, string>();
    for (const pair of connectionString.split(';')) {
        const at = pair.indexOf('=');
        if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
    }
    if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return true;
    const endpoint = parts.get('tableendpoint');
    if (endpoint === undefined) return false;
    try {
        const url = new URL(endpoint);
        return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
    } catch {
        return false;
    }
}
