import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';

import type { MergeRefusal } from '../../domain/decision';
import type { RequestRecord } from '../../domain/requestStatus';
import { PermanentDependencyError, TransientDependencyError } from '../../errors';
import type { RegisterRequestResult, RequestStore } from '../../ports/requestStore';
import { getEntityOrNull } from './getEntityOrNull';
import { documentProperties, parseDocument } from './tableDocuments';
import { isEntityAlreadyExists, isNotFound, isUpdateConditionNotSatisfied, toDependencyError } from './tableErrors';
import { hashedKey, safeKey } from './tableKeys';

/** Partition of request rows; row key = {@link safeKey} of the request id, so `get` is a point read. */
export const REQUEST_PARTITION = 'request';
/** Partition of idempotency index rows; row key = hash of (target, key), value = the first request's record. */
const IDEMPOTENCY_PARTITION = 'idempotency';
/**
 * Partition of markers for requests not yet merged; row key = {@link unmergedRowKey}, so a range over row keys
 * lists them oldest first. It holds only the few requests between register and markMerged.
 */
export const UNMERGED_PARTITION = 'unmerged';
/** Prefix of the per-UTC-day index partitions (`byday|YYYY-MM-DD`) that retention deletes a day at a time. */
const DAY_PARTITION_PREFIX = 'byday|';

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
    refusal: z.object({ reason: z.literal('initialRateLimited'), retryAt: z.number() }).optional(),
});

const markerSchema = z.object({ requestId: z.string() });
const dayRowSchema = z.object({ requestId: z.string(), acceptedAt: z.number(), indexKey: z.string() });
type DayRow = z.infer<typeof dayRowSchema>;

/** Rounds of read-modify-write before a contended `markMerged` gives up (it is idempotent; the caller retries). */
const MARK_MERGED_ATTEMPTS = 10;

/**
 * Accepted requests in Azure Table Storage, with the memory store's semantics (first writer wins).
 *
 * With an idempotency key, `register` first creates an index row holding the whole record, then the request row.
 * A crash between the two leaves only the index row; the next `register` with that key finds it and writes the
 * missing request row from the index copy, so every retry converges on the first writer's record. Without a
 * key, creating the request row is itself the conditional write.
 *
 * Before the request row, `register` upserts two small index rows (see docs/STORAGE-AND-WAKEUPS.md): a day row
 * in `byday|<UTC day>` so retention finds old requests without a scan, and a marker in {@link UNMERGED_PARTITION}
 * so `listUnmerged` reads only requests still waiting for a merge. They live in other partitions than the request
 * row, so no transaction can cover them; writing them first means a crash leaves at worst an index row without
 * its request (skipped, and removed by retention), never a request that reconcile or retention cannot find.
 */
export class TableRequestStore implements RequestStore {
    /** @param table - a client for the request table (see `createTableClients`) */
    constructor(private readonly table: TableClient) {}

    async register(record: RequestRecord): Promise<RegisterRequestResult> {
        if (record.idempotencyKey === null) {
            // A retry of a stored id must not write index rows again (a merged request would get its marker back).
            const stored = await this.readRequestRow(record.requestId);
            if (stored !== null) return { kind: 'existing', record: stored.record };
            return this.createIndexedRequest(record, '');
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
        const written = await this.createIndexedRequest(record, indexKey);
        // This call created the key's index row, so it is the key's one first writer. A 409 on its request row with
        // its own record stored means a duplicate delivery completed the row from the index copy while this call
        // was between the index row and the request row (the duplicate got 409 on the key, read the index, found
        // no request row yet, wrote it, and reported `existing`). Reporting `existing` here too would leave no
        // caller with `created`: the first delivery would be answered as a replay.
        if (written.kind === 'existing' && isCopyOf(written.record, record)) {
            return { kind: 'created', record: written.record };
        }
        return written;
    }

    markMerged(requestId: string, windowSeq: number): Promise<void> {
        return this.settle(requestId, 'merged', (record) => {
            const { refusal: _refusal, ...unrefused } = record;
            return { ...unrefused, windowSeq };
        });
    }

    markRefused(requestId: string, refusal: MergeRefusal): Promise<void> {
        return this.settle(requestId, 'refused', (record) => ({ ...record, refusal }));
    }

    /**
     * Gives an unmerged request its outcome (merged, or refused) and removes its unmerged marker, so reconcile
     * never merges it. Read-modify-write under the row's ETag; a merged request is never changed again.
     */
    private async settle(
        requestId: string,
        what: 'merged' | 'refused',
        update: (record: RequestRecord) => RequestRecord,
    ): Promise<void> {
        for (let attempt = 1; attempt <= MARK_MERGED_ATTEMPTS; attempt++) {
            const row = await this.readRequestRow(requestId);
            if (row === null) return;
            // Already merged: an earlier call may have died before removing the marker, so remove it again.
            if (row.record.windowSeq !== null) return this.deleteMarker(row.record);
            const settled = update(row.record);
            try {
                await this.table.updateEntity(requestRow(settled), 'Replace', { etag: row.etag });
                return await this.deleteMarker(settled);
            } catch (e) {
                if (!isUpdateConditionNotSatisfied(e)) throw toDependencyError(e, `Marking a request ${what}`);
            }
        }
        throw new TransientDependencyError(`Request ${requestId} kept changing while being marked ${what}`, 412);
    }

    async get(requestId: string): Promise<RequestRecord | null> {
        return (await this.readRequestRow(requestId))?.record ?? null;
    }

    async listUnmerged(acceptedBefore: number, limit: number): Promise<RequestRecord[]> {
        if (limit <= 0) return [];
        const found: RequestRecord[] = [];
        const seen = new Set<string>();
        try {
            // Row keys start with the floored acceptedAt, so this range holds every candidate; the exact
            // comparison happens below on the record itself.
            const filter = odata`PartitionKey eq ${UNMERGED_PARTITION} and RowKey lt ${epochKey(Math.ceil(acceptedBefore))}`;
            const pages = this.table
                .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
                .byPage({ maxPageSize: Math.min(limit, 1000) });
            for await (const page of pages) {
                for (const marker of page) {
                    const { requestId } = parseIndexRow(marker, markerSchema, 'an unmerged marker');
                    if (seen.has(requestId)) continue;
                    seen.add(requestId);
                    const record = (await this.readRequestRow(requestId))?.record;
                    // No request: its register died before the request row; retention removes the marker.
                    if (record === undefined) continue;
                    if (record.windowSeq !== null || record.refusal !== undefined) {
                        await this.deleteMarker(record);
                        continue;
                    }
                    if (record.acceptedAt >= acceptedBefore) continue;
                    found.push(record);
                    if (found.length >= limit) return found;
                }
            }
        } catch (e) {
            throw toDependencyError(e, 'Listing unmerged requests');
        }
        return found;
    }

    async deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        if (limit <= 0) return 0;
        const old: DayRow[] = [];
        try {
            // Only the day partitions up to the one holding `acceptedBefore - 1` are read: with a cutoff at
            // midnight UTC (as reconcile passes it) that is whole old days only, never today's requests. The time
            // is compared here, not in the filter: epoch ms are stored as Edm.Double, small test times as Int32,
            // and the service does not compare across the two.
            const filter = odata`PartitionKey ge ${DAY_PARTITION_PREFIX} and PartitionKey le ${dayPartition(acceptedBefore - 1)}`;
            const pages = this.table
                .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
                .byPage({ maxPageSize: Math.min(limit, 1000) });
            for await (const page of pages) {
                for (const entity of page) {
                    const day = parseIndexRow(entity, dayRowSchema, 'a day index row');
                    if (day.acceptedAt >= acceptedBefore) continue;
                    old.push(day);
                    if (old.length >= limit) break;
                }
                if (old.length >= limit) break;
            }
        } catch (e) {
            throw toDependencyError(e, 'Listing old requests');
        }
        for (const day of old) await this.deleteRequest(day, acceptedBefore);
        return old.length;
    }

    /**
     * Deletes one old request: idempotency row first (so a retry cannot rebuild the request from it), then the
     * request row and its marker, and the day row last, so a crash part-way leaves the day row to try again.
     */
    private async deleteRequest(day: DayRow, acceptedBefore: number): Promise<void> {
        const stored = await this.readRequestRow(day.requestId);
        // A day row left by a retry whose stored request was accepted later: only the stray rows go.
        const storedIsOld = stored === null || stored.record.acceptedAt < acceptedBefore;
        if (storedIsOld && day.indexKey !== '') {
            const index = await getEntityOrNull(this.table, IDEMPOTENCY_PARTITION, day.indexKey, 'Reading a key');
            // The key may already belong to a newer request if this deletion is being repeated.
            if (index !== null && index.requestId === day.requestId) {
                await this.deleteIfPresent(IDEMPOTENCY_PARTITION, day.indexKey, 'Deleting an idempotency key');
            }
        }
        if (storedIsOld) await this.deleteIfPresent(REQUEST_PARTITION, safeKey(day.requestId), 'Deleting a request');
        await this.deleteMarker(day);
        await this.deleteIfPresent(dayPartition(day.acceptedAt), safeKey(day.requestId), 'Deleting a day index row');
    }

    /** Writes the day row and marker, then the request row; cleans up the index rows a lost race left behind. */
    private async createIndexedRequest(record: RequestRecord, indexKey: string): Promise<RegisterRequestResult> {
        await this.writeIndexRows(record, indexKey);
        const existing = await this.createRequestRow(record);
        if (existing === null) return { kind: 'created', record };
        // Same id stored earlier: rows keyed by this attempt's acceptedAt are strays (if the keys differ).
        if (unmergedRowKey(existing) !== unmergedRowKey(record)) await this.deleteMarker(record);
        if (dayPartition(existing.acceptedAt) !== dayPartition(record.acceptedAt)) {
            await this.deleteIfPresent(
                dayPartition(record.acceptedAt),
                safeKey(record.requestId),
                'Deleting a day row',
            );
        }
        return { kind: 'existing', record: existing };
    }

    private async writeIndexRows(record: RequestRecord, indexKey: string): Promise<void> {
        try {
            await this.table.upsertEntity(
                {
                    partitionKey: dayPartition(record.acceptedAt),
                    rowKey: safeKey(record.requestId),
                    requestId: record.requestId,
                    acceptedAt: record.acceptedAt,
                    indexKey,
                },
                'Replace',
            );
            await this.table.upsertEntity(
                { partitionKey: UNMERGED_PARTITION, rowKey: unmergedRowKey(record), requestId: record.requestId },
                'Replace',
            );
        } catch (e) {
            throw toDependencyError(e, 'Indexing a request');
        }
    }

    private deleteMarker(record: Pick<RequestRecord, 'requestId' | 'acceptedAt'>): Promise<void> {
        return this.deleteIfPresent(UNMERGED_PARTITION, unmergedRowKey(record), 'Deleting an unmerged marker');
    }

    private async deleteIfPresent(partitionKey: string, rowKey: string, operation: string): Promise<void> {
        try {
            await this.table.deleteEntity(partitionKey, rowKey);
        } catch (e) {
            if (!isNotFound(e)) throw toDependencyError(e, operation);
        }
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
        const stored = await this.readRequestRow(first.requestId);
        if (stored !== null) return stored.record;
        const completed = await this.createIndexedRequest(first, indexKey);
        return completed.record;
    }

    private async readRequestRow(requestId: string): Promise<{ record: RequestRecord; etag: string } | null> {
        const entity = await getEntityOrNull(this.table, REQUEST_PARTITION, safeKey(requestId), 'Reading a request');
        if (entity === null) return null;
        return { record: parseRecord(entity, `request ${requestId}`), etag: entity.etag };
    }
}

/**
 * Whether a stored request row is the one `register` writes for `record`, possibly by a duplicate completing it
 * from the index copy (which holds the same fields). The stored copy may already be merged or refused, so only
 * the fields fixed at registration are compared.
 */
function isCopyOf(stored: RequestRecord, record: RequestRecord): boolean {
    return (
        stored.requestId === record.requestId &&
        stored.targetId === record.targetId &&
        stored.idempotencyKey === record.idempotencyKey &&
        stored.acceptedAt === record.acceptedAt &&
        stored.bodyHash === record.bodyHash
    );
}

/**
 * A request row: the record as JSON, plus plain columns so a storage explorer (or an ad-hoc query) can filter
 * by target, merge state and age; the store itself reads the JSON and finds rows through the index partitions.
 */
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

/** `byday|YYYY-MM-DD`: the UTC day an epoch-ms time falls on. */
export function dayPartition(epochMs: number): string {
    return `${DAY_PARTITION_PREFIX}${new Date(epochMs).toISOString().slice(0, 10)}`;
}

/** Zero-padded acceptedAt, then the request: row keys sort by age, and one request has one marker per time. */
function unmergedRowKey(record: Pick<RequestRecord, 'requestId' | 'acceptedAt'>): string {
    return `${epochKey(record.acceptedAt)}|${safeKey(record.requestId)}`;
}

/** Whole epoch ms, padded so string order is numeric order (16 digits outlast any real clock). */
function epochKey(epochMs: number): string {
    return String(Math.max(0, Math.floor(epochMs))).padStart(16, '0');
}

function recordProperties(record: RequestRecord): Record<string, string | number> {
    return documentProperties(record, `Request ${record.requestId}`);
}

/** Index rows are plain columns, not a JSON document; they are stored data all the same, so parsed. */
function parseIndexRow<T>(entity: Readonly<Record<string, unknown>>, schema: z.ZodType<T>, what: string): T {
    const parsed = schema.safeParse(entity);
    if (!parsed.success) {
        throw new PermanentDependencyError(`Stored ${what} does not match the current schema`, undefined, {
            cause: parsed.error,
        });
    }
    return parsed.data;
}

function parseRecord(entity: Readonly<Record<string, unknown>>, what: string): RequestRecord {
    return parseDocument(entity, recordSchema, what);
}
