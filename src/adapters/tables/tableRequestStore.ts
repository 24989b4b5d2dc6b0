import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';

import type { RequestRecord } from '../../domain/requestStatus';
import { TransientDependencyError } from '../../errors';
import type { RegisterRequestResult, RequestStore } from '../../ports/requestStore';
import { getEntityOrNull } from './getEntityOrNull';
import { documentProperties, parseDocument } from './tableDocuments';
import { isEntityAlreadyExists, isUpdateConditionNotSatisfied, toDependencyError } from './tableErrors';
import { hashedKey, safeKey } from './tableKeys';

/** Partition of request rows; row key = {@link safeKey} of the request id, so `get` is a point read. */
export const REQUEST_PARTITION = 'request';
/** Partition of idempotency index rows; row key = hash of (target, key), value = the first request's record. */
export const IDEMPOTENCY_PARTITION = 'idempotency';

const recordSchema: z.ZodType<RequestRecord> = z.object({
    requestId: z.string(),
    targetId: z.string(),
    windowSeq: z.number().int().nullable(),
    acceptedAt: z.number(),
    changeCount: z.number(),
    urgentCount: z.number(),
    policy: z.enum(['Delta', 'Initial']),
    correlationId: z.string(),
    bodyHash: z.string(),
    idempotencyKey: z.string().nullable(),
});

/** Rounds of read-modify-write before a contended `markMerged` gives up (it is idempotent; the caller retries). */
const MARK_MERGED_ATTEMPTS = 10;

/**
 * Accepted requests in Azure Table Storage, with the memory store's semantics (first writer wins).
 *
 * With an idempotency key, `register` first creates an index row holding the whole record, then the request row.
 * A crash between the two leaves only the index row; the next `register` with that key finds it and writes the
 * missing request row from the index copy, so every retry converges on the first writer's record. Without a
 * key, creating the request row is itself the conditional write.
 */
export class TableRequestStore implements RequestStore {
    /** @param table - a client for the request table (see `createTableClients`) */
    constructor(private readonly table: TableClient) {}

    async register(record: RequestRecord): Promise<RegisterRequestResult> {
        if (record.idempotencyKey === null) {
            const existing = await this.createRequestRow(record);
            return existing === null ? { kind: 'created', record } : { kind: 'existing', record: existing };
        }
        const indexKey = hashedKey(record.targetId, record.idempotencyKey);
        try {
            await this.table.createEntity({
                partitionKey: IDEMPOTENCY_PARTITION,
                rowKey: indexKey,
                requestId: record.requestId,
                ...recordProperties(record),
            });
        } catch (e) {
            if (!isEntityAlreadyExists(e)) throw toDependencyError(e, 'Registering an idempotency key');
            return { kind: 'existing', record: await this.completeFirstWriter(indexKey) };
        }
        const existing = await this.createRequestRow(record);
        return existing === null ? { kind: 'created', record } : { kind: 'existing', record: existing };
    }

    async markMerged(requestId: string, windowSeq: number): Promise<void> {
        for (let attempt = 1; attempt <= MARK_MERGED_ATTEMPTS; attempt++) {
            const row = await this.readRequestRow(requestId);
            if (row === null || row.record.windowSeq !== null) return;
            const merged: RequestRecord = { ...row.record, windowSeq };
            try {
                await this.table.updateEntity(requestRow(merged), 'Replace', { etag: row.etag });
                return;
            } catch (e) {
                if (!isUpdateConditionNotSatisfied(e)) throw toDependencyError(e, 'Marking a request merged');
            }
        }
        throw new TransientDependencyError(`Request ${requestId} kept changing while being marked merged`, 412);
    }

    async get(requestId: string): Promise<RequestRecord | null> {
        return (await this.readRequestRow(requestId))?.record ?? null;
    }

    async listUnmerged(acceptedBefore: number, limit: number): Promise<RequestRecord[]> {
        if (limit <= 0) return [];
        const found: RequestRecord[] = [];
        try {
            const pages = this.table
                .listEntities<Record<string, unknown>>({
                    queryOptions: {
                        filter: odata`PartitionKey eq ${REQUEST_PARTITION} and merged eq ${false} and acceptedAt lt ${acceptedBefore}`,
                    },
                })
                .byPage({ maxPageSize: Math.min(limit, 1000) });
            for await (const page of pages) {
                for (const entity of page) {
                    found.push(parseRecord(entity, 'an unmerged request'));
                    if (found.length >= limit) return found;
                }
            }
        } catch (e) {
            throw toDependencyError(e, 'Listing unmerged requests');
        }
        return found;
    }

    /** Creates the request row; returns null when created, else the row already stored under that id. */
    private async createRequestRow(record: RequestRecord): Promise<RequestRecord | null> {
        try {
            await this.table.createEntity(requestRow(record));
            return null;
        } catch (e) {
            if (!isEntityAlreadyExists(e)) throw toDependencyError(e, 'Registering a request');
        }
        const stored = await this.readRequestRow(record.requestId);
        if (stored === null)
            throw new TransientDependencyError(`Request ${record.requestId} vanished after a 409`, 409);
        return stored.record;
    }

    /** The key's first writer may have died before writing its request row: write it from the index copy. */
    private async completeFirstWriter(indexKey: string): Promise<RequestRecord> {
        let index: Record<string, unknown>;
        try {
            index = await this.table.getEntity<Record<string, unknown>>(IDEMPOTENCY_PARTITION, indexKey);
        } catch (e) {
            throw toDependencyError(e, 'Reading an idempotency key');
        }
        const first = parseRecord(index, 'an idempotency index row');
        return (await this.createRequestRow(first)) ?? first;
    }

    private async readRequestRow(requestId: string): Promise<{ record: RequestRecord; etag: string } | null> {
        const entity = await getEntityOrNull(this.table, REQUEST_PARTITION, safeKey(requestId), 'Reading a request');
        if (entity === null) return null;
        return { record: parseRecord(entity, `request ${requestId}`), etag: entity.etag };
    }
}

/** A request row: the record as JSON plus the columns `listUnmerged` filters on server-side. */
function requestRow(record: RequestRecord): Record<string, string | number | boolean> & {
    partitionKey: string;
    rowKey: string;
} {
    return {
        partitionKey: REQUEST_PARTITION,
        rowKey: safeKey(record.requestId),
        targetId: record.targetId,
        merged: record.windowSeq !== null,
        // Epoch ms exceed Int32, so the SDK stores them as Edm.Double: exact for integers below 2^53.
        acceptedAt: record.acceptedAt,
        ...recordProperties(record),
    };
}

function recordProperties(record: RequestRecord): Record<string, string | number> {
    return documentProperties(record, `Request ${record.requestId}`);
}

function parseRecord(entity: Readonly<Record<string, unknown>>, what: string): RequestRecord {
    return parseDocument(entity, recordSchema, what);
}
