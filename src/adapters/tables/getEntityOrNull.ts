import type { TableClient } from '@azure/data-tables';

import { isNotFound, toDependencyError } from './tableErrors';

/**
 * One entity, or null when it does not exist; every other failure (a missing table included) becomes a typed
 * dependency error naming `operation`.
 * @param table - the table client
 * @param partitionKey - the entity's partition
 * @param rowKey - the entity's row key (already made safe)
 * @param operation - what was attempted, for the error message
 */
export async function getEntityOrNull(
    table: TableClient,
    partitionKey: string,
    rowKey: string,
    operation: string,
): Promise<(Record<string, unknown> & { etag: string }) | null> {
    try {
        return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
    } catch (e) {
        if (isNotFound(e)) return null;
        throw toDependencyError(e, operation);
    }
}
