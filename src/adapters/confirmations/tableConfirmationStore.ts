import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';

import {
    type ConfirmationRecord,
    type ConfirmationState,
    type DirectoryObjectRef,
    isConfirmationFinal,
} from '../../domain/entraConfirmation';
import type { ConfirmationStore } from '../../ports/confirmationStore';
import { getEntityOrNull } from '../tables/getEntityOrNull';
import { documentProperties, parseDocument } from '../tables/tableDocuments';
import {
    isEntityAlreadyExists,
    isNotFound,
    isUpdateConditionNotSatisfied,
    toDependencyError,
} from '../tables/tableErrors';
import { safeKey } from '../tables/tableKeys';

/** Partition of confirmation rows in the request table; row key = {@link safeKey} of the request id. */
const CONFIRMATION_PARTITION = 'entra-confirmation';
/**
 * Partition of markers for confirmations that are not final; row key = accepted time (fixed width) + request id, so
 * `listOpen` reads only open ones, oldest first, however many confirmations are stored.
 */
const OPEN_PARTITION = 'entra-confirmation-open';

const refSchema: z.ZodType<DirectoryObjectRef> = z.object({
    by: z.enum(['immutableId', 'userPrincipalName']),
    value: z.string(),
});

const stateSchema: z.ZodType<ConfirmationState> = z.discriminatedUnion('phase', [
    z.object({ phase: z.literal('awaitingRun') }),
    z.object({
        phase: z.literal('awaitingExtraRun'),
        extraRuns: z.number().int(),
        dueAt: z.number(),
        extraRequestId: z.string().nullable(),
    }),
    z.object({ phase: z.literal('confirmed'), confirmedAt: z.number(), extraRuns: z.number().int() }),
    z.object({
        phase: z.literal('notVisible'),
        reason: z.enum(['exportError', 'cloudObject', 'outOfScope', 'neverSynced']),
        checkedAt: z.number(),
        missing: z.array(refSchema),
        extraRuns: z.number().int(),
    }),
    z.object({ phase: z.literal('notApplicable'), because: z.enum(['cycleDidNotSucceed', 'noObject']) }),
]);

const documentSchema = z.object({
    requestId: z.string(),
    targetId: z.string(),
    correlationId: z.string(),
    acceptedAt: z.number(),
    objects: z.array(refSchema),
    state: stateSchema,
});

const markerSchema = z.object({ requestId: z.string() });

const openRowKey = (record: Pick<ConfirmationRecord, 'acceptedAt' | 'requestId'>): string =>
    `${String(Math.max(0, Math.floor(record.acceptedAt))).padStart(15, '0')}|${safeKey(record.requestId)}`;

/** What is stored: the record without its etag (the entity's own). */
function documentOf(record: ConfirmationRecord): Omit<ConfirmationRecord, 'etag'> {
    const { etag: _etag, ...document } = record;
    return document;
}

/**
 * Confirmations in the request table (ENTRA_CONFIRMATION=on with Table Storage): every instance sees the same
 * records, so the instance whose timer runs need not be the one that accepted the request. The marker row of an
 * open confirmation is written before the record and deleted after it became final; a crash in between leaves a
 * marker whose record is final (skipped and deleted by the next `listOpen`), never an open record nobody lists.
 */
export class TableConfirmationStore implements ConfirmationStore {
    constructor(private readonly table: TableClient) {}

    async create(record: ConfirmationRecord): Promise<void> {
        try {
            if (!isConfirmationFinal(record.state)) {
                await this.table.upsertEntity(
                    { partitionKey: OPEN_PARTITION, rowKey: openRowKey(record), requestId: record.requestId },
                    'Replace',
                );
            }
            await this.table.createEntity({
                partitionKey: CONFIRMATION_PARTITION,
                rowKey: safeKey(record.requestId),
                acceptedAt: record.acceptedAt,
                ...documentProperties(documentOf(record), 'confirmation'),
            });
        } catch (e) {
            if (isEntityAlreadyExists(e)) return;
            throw toDependencyError(e, 'Storing a confirmation');
        }
    }

    async get(requestId: string): Promise<ConfirmationRecord | null> {
        const entity = await getEntityOrNull(
            this.table,
            CONFIRMATION_PARTITION,
            safeKey(requestId),
            'Reading a confirmation',
        );
        if (entity === null) return null;
        return { ...parseDocument(entity, documentSchema, 'confirmation'), etag: entity.etag };
    }

    async update(record: ConfirmationRecord): Promise<boolean> {
        if (record.etag === null) return false;
        try {
            await this.table.updateEntity(
                {
                    partitionKey: CONFIRMATION_PARTITION,
                    rowKey: safeKey(record.requestId),
                    acceptedAt: record.acceptedAt,
                    ...documentProperties(documentOf(record), 'confirmation'),
                },
                'Replace',
                { etag: record.etag },
            );
        } catch (e) {
            if (isUpdateConditionNotSatisfied(e) || isNotFound(e)) return false;
            throw toDependencyError(e, 'Updating a confirmation');
        }
        if (isConfirmationFinal(record.state)) await this.deleteMarker(openRowKey(record));
        return true;
    }

    async listOpen(limit: number): Promise<ConfirmationRecord[]> {
        const open: ConfirmationRecord[] = [];
        try {
            const markers = this.table.listEntities<Record<string, unknown>>({
                queryOptions: { filter: odata`PartitionKey eq ${OPEN_PARTITION}` },
            });
            for await (const marker of markers) {
                if (open.length >= limit) break;
                const parsed = markerSchema.safeParse(marker);
                const rowKey = typeof marker.rowKey === 'string' ? marker.rowKey : null;
                if (!parsed.success || rowKey === null) continue;
                const record = await this.get(parsed.data.requestId);
                // A marker left by a crash after the record became final (or with no record): tidy it up.
                if (record === null || isConfirmationFinal(record.state)) await this.deleteMarker(rowKey);
                else open.push(record);
            }
        } catch (e) {
            throw toDependencyError(e, 'Listing open confirmations');
        }
        return open;
    }

    async deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        let deleted = 0;
        try {
            // acceptedAt is stored as a double (JavaScript number); the filter compares it as such.
            const old = this.table.listEntities<Record<string, unknown>>({
                queryOptions: {
                    filter: odata`PartitionKey eq ${CONFIRMATION_PARTITION} and acceptedAt lt ${acceptedBefore}`,
                },
            });
            for await (const entity of old) {
                if (deleted >= limit) break;
                const record = parseDocument(entity, documentSchema, 'confirmation');
                await this.deleteMarker(openRowKey(record));
                if (typeof entity.rowKey === 'string') {
                    try {
                        await this.table.deleteEntity(CONFIRMATION_PARTITION, entity.rowKey);
                    } catch (e) {
                        if (!isNotFound(e)) throw e;
                    }
                }
                deleted++;
            }
        } catch (e) {
            throw toDependencyError(e, 'Deleting old confirmations');
        }
        return deleted;
    }

    private async deleteMarker(rowKey: string): Promise<void> {
        try {
            await this.table.deleteEntity(OPEN_PARTITION, rowKey);
        } catch (e) {
            if (!isNotFound(e)) throw toDependencyError(e, 'Deleting a confirmation marker');
        }
    }
}
