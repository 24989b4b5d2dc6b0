import { TableClient } from '@azure/data-tables';

import type { AzuriteTables } from './azurite';

let tableCounter = 0;

/** A table name no other test in this process uses (letters and digits, starts with a letter). */
export function uniqueTableName(prefix = 't'): string {
    tableCounter++;
    return `${prefix}${process.pid}x${tableCounter}x${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A client for a new, empty table on the given Azurite.
 * @param azurite - the running Azurite
 * @param name - the table name; unique by default
 */
export async function createTestTable(azurite: AzuriteTables, name = uniqueTableName()): Promise<TableClient> {
    const table = tableClient(azurite, name);
    await table.createTable();
    return table;
}

/**
 * A new client (its own connection pool, like another process) for a table on the given Azurite.
 * @param azurite - the running Azurite
 * @param name - the table name
 */
export function tableClient(azurite: AzuriteTables, name: string): TableClient {
    return TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
}
