import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';

import { chunkCountOf, chunkObjects, type ObjectChunk } from '../../domain/confirmationProgress';
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
import { chunkDocumentSchema, type RecordDocument, storedRecordSchema } from './confirmationDocuments';

/** Partition of confirmation rows in the request table; row key = {@link safeKey} of the request id. */
const CONFIRMATION_PARTITION = 'entra-confirmation';
/** Partition of the objects' chunks; row key = the record's row key, `|`, the chunk's index (fixed width). */
const OBJECTS_PARTITION = 'entra-confirmation-objects';
/**
 * Partition of markers for confirmations that are not final; row key = due time (fixed width) + request id, so
 * `listDue` reads only open ones, earliest due first, however many confirmations are stored. Markers written
 * before due times existed are keyed by the acceptance time, which reads as "due since then".
 */
const OPEN_PARTITION = 'entra-confirmation-open';
/** Chunks written at once when a confirmation is created. */
const WRITE_CONCURRENCY = 8;

const markerSchema = z.object({ requestId: z.string() });

const timeKey = (at: number): string => String(Math.max(0, Math.floor(at))).padStart(15, '0');
const markerKey = (record: Pick<ConfirmationRecord, 'dueAt' | 'requestId'>): string =>
    `${timeKey(record.dueAt)}|${safeKey(record.requestId)}`;
const chunkKey = (requestId: string, index: number): string =>
    `${safeKey(requestId)}|${String(index).padStart(6, '0')}`;

/** What is stored of a record: the record without its etag (the entity's own). */
function documentOf(record: ConfirmationRecord): RecordDocument {
    const { etag: _etag, ...document } = record;
    return document;
}

/**
 * Confirmations in the request table (ENTRA_CONFIRMATION=on with Table Storage): every instance sees the same
 * records, so the instance whose timer runs need not be the one that accepted the request. The marker row of an
 * open confirmation is written before the record and deleted after it moved on (to its new due time) or became
 * final; a crash in between leaves a marker that no longer matches its record (deleted by the next `listDue`, with
 * its own etag so that a marker just rewritten by another pass survives), never an open record nobody lists.
 * Chunks are written before the record that counts them.
 */
export class TableConfirmationStore implements ConfirmationStore {
    constructor(private readonly table: TableClient) {}

    async create(record: ConfirmationRecord, objects: readonly DirectoryObjectRef[]): Promise<void> {
        const stored: ConfirmationRecord = { ...record, objectCount: objects.length };
        try {
            // A retried submission: the first record (and the progress of its objects) is kept.
            if ((await this.get(record.requestId)) !== null) return;
            const chunks = chunkObjects(objects);
            for (let i = 0; i < chunks.length; i += WRITE_CONCURRENCY) {
                await Promise.all(
                    chunks.slice(i, i + WRITE_CONCURRENCY).map((c) => this.upsertChunk(record.requestId, c)),
                );
            }
            if (!isConfirmationFinal(stored.state)) await this.writeMarker(markerKey(stored), stored.requestId);
            await this.table.createEntity({
                partitionKey: CONFIRMATION_PARTITION,
                rowKey: safeKey(stored.requestId),
                acceptedAt: stored.acceptedAt,
                ...documentProperties(documentOf(stored), 'confirmation'),
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
        return { ...parseDocument(entity, storedRecordSchema, 'confirmation').record, etag: entity.etag };
    }

    /** A record and, when it was written before chunks, its objects moved into chunks first. */
    private async getForWork(requestId: string): Promise<ConfirmationRecord | null> {
        const entity = await getEntityOrNull(
            this.table,
            CONFIRMATION_PARTITION,
            safeKey(requestId),
            'Reading a confirmation',
        );
        if (entity === null) return null;
        const { record, legacyObjects } = parseDocument(entity, storedRecordSchema, 'confirmation');
        // Before the timer changes it (which drops the inline objects), its objects get their chunks.
        if (legacyObjects !== null) await this.migrateObjects(record.requestId, legacyObjects);
        return { ...record, etag: entity.etag };
    }

    async update(
        record: ConfirmationRecord,
        next: { readonly state: ConfirmationState; readonly dueAt: number },
    ): Promise<ConfirmationRecord | null> {
        if (record.etag === null) return null;
        const updated: ConfirmationRecord = { ...record, state: next.state, dueAt: next.dueAt };
        const final = isConfirmationFinal(updated.state);
        const oldMarker = markerKey(record);
        const newMarker = final ? null : markerKey(updated);
        const written =
            newMarker === null || newMarker === oldMarker ? null : await this.writeMarker(newMarker, record.requestId);
        let etag: string | undefined;
        try {
            const response = await this.table.updateEntity(
                {
                    partitionKey: CONFIRMATION_PARTITION,
                    rowKey: safeKey(record.requestId),
                    acceptedAt: record.acceptedAt,
                    ...documentProperties(documentOf(updated), 'confirmation'),
                },
                'Replace',
                { etag: record.etag },
            );
            etag = response.etag;
        } catch (e) {
            if (isUpdateConditionNotSatisfied(e) || isNotFound(e)) {
                // Someone else moved the record on: the marker written for this attempt is not its marker.
                if (newMarker !== null && written !== null) await this.deleteMarker(newMarker, written);
                return null;
            }
            throw toDependencyError(e, 'Updating a confirmation');
        }
        if (newMarker !== oldMarker) await this.deleteMarker(oldMarker);
        if (etag === undefined) return this.get(record.requestId);
        return { ...updated, etag };
    }

    async listDue(now: number, limit: number): Promise<ConfirmationRecord[]> {
        const due: ConfirmationRecord[] = [];
        try {
            // Row keys sort as strings; `timeKey(now)` + '}' is past every marker due at or before `now`.
            const markers = this.table.listEntities<Record<string, unknown>>({
                queryOptions: {
                    filter: odata`PartitionKey eq ${OPEN_PARTITION} and RowKey lt ${`${timeKey(now)}}`}`,
                },
            });
            for await (const marker of markers) {
                if (due.length >= limit) break;
                const parsed = markerSchema.safeParse(marker);
                const rowKey = typeof marker.rowKey === 'string' ? marker.rowKey : null;
                if (!parsed.success || rowKey === null) continue;
                const record = await this.getForWork(parsed.data.requestId);
                if (record !== null && !isConfirmationFinal(record.state) && markerKey(record) === rowKey) {
                    due.push(record);
                } else {
                    // Left by a crash (the record became final or moved on), or with no record: tidy it up.
                    await this.deleteMarker(rowKey, typeof marker.etag === 'string' ? marker.etag : undefined);
                }
            }
        } catch (e) {
            throw toDependencyError(e, 'Listing due confirmations');
        }
        return due;
    }

    async readObjects(record: ConfirmationRecord): Promise<ObjectChunk[]> {
        const chunks: ObjectChunk[] = [];
        const prefix = `${safeKey(record.requestId)}|`;
        try {
            const rows = this.table.listEntities<Record<string, unknown>>({
                queryOptions: {
                    filter: odata`PartitionKey eq ${OBJECTS_PARTITION} and RowKey ge ${prefix} and RowKey lt ${`${safeKey(record.requestId)}}`}`,
                },
            });
            for await (const row of rows) {
                const document = parseDocument(row, chunkDocumentSchema, 'confirmation objects');
                const etag = typeof row.etag === 'string' ? row.etag : null;
                // The index is the row's own (a chunk saved under another index would overwrite that one).
                const index = typeof row.rowKey === 'string' ? Number(row.rowKey.slice(prefix.length)) : Number.NaN;
                if (!Number.isInteger(index)) continue;
                chunks.push({ index, refs: document.refs, progress: document.progress, etag });
            }
        } catch (e) {
            throw toDependencyError(e, 'Reading confirmation objects');
        }
        return chunks;
    }

    async saveObjects(record: ConfirmationRecord, chunks: readonly ObjectChunk[]): Promise<boolean> {
        for (const chunk of chunks) {
            const entity = {
                partitionKey: OBJECTS_PARTITION,
                rowKey: chunkKey(record.requestId, chunk.index),
                ...documentProperties({ refs: chunk.refs, progress: chunk.progress }, 'confirmation objects'),
            };
            // Every chunk is stored when its record is; one without an etag was not read from here.
            if (chunk.etag === null) return false;
            try {
                await this.table.updateEntity(entity, 'Replace', { etag: chunk.etag });
            } catch (e) {
                if (isUpdateConditionNotSatisfied(e) || isNotFound(e)) return false;
                throw toDependencyError(e, 'Saving confirmation objects');
            }
        }
        return true;
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
                const { record } = parseDocument(entity, storedRecordSchema, 'confirmation');
                await this.deleteMarker(markerKey(record));
                for (let i = 0; i < chunkCountOf(record.objectCount); i++) {
                    await this.deleteIfPresent(OBJECTS_PARTITION, chunkKey(record.requestId, i));
                }
                if (typeof entity.rowKey === 'string')
                    await this.deleteIfPresent(CONFIRMATION_PARTITION, entity.rowKey);
                deleted++;
            }
        } catch (e) {
            throw toDependencyError(e, 'Deleting old confirmations');
        }
        return deleted;
    }

    /** Chunks for the inline objects of a record written before chunks; chunks already there are kept. */
    private async migrateObjects(requestId: string, objects: readonly DirectoryObjectRef[]): Promise<void> {
        for (const chunk of chunkObjects(objects)) {
            try {
                await this.table.createEntity({
                    partitionKey: OBJECTS_PARTITION,
                    rowKey: chunkKey(requestId, chunk.index),
                    ...documentProperties({ refs: chunk.refs, progress: chunk.progress }, 'confirmation objects'),
                });
            } catch (e) {
                if (!isEntityAlreadyExists(e)) throw toDependencyError(e, 'Moving confirmation objects into chunks');
            }
        }
    }

    private async upsertChunk(requestId: string, chunk: ObjectChunk): Promise<void> {
        await this.table.upsertEntity(
            {
                partitionKey: OBJECTS_PARTITION,
                rowKey: chunkKey(requestId, chunk.index),
                ...documentProperties({ refs: chunk.refs, progress: chunk.progress }, 'confirmation objects'),
            },
            'Replace',
        );
    }

    /** Writes a marker; returns its etag (to delete exactly this write later). */
    private async writeMarker(rowKey: string, requestId: string): Promise<string | null> {
        try {
            const response = await this.table.upsertEntity(
                { partitionKey: OPEN_PARTITION, rowKey, requestId },
                'Replace',
            );
            return response.etag ?? null;
        } catch (e) {
            throw toDependencyError(e, 'Writing a confirmation marker');
        }
    }

    private async deleteMarker(rowKey: string, etag?: string): Promise<void> {
        try {
            await this.table.deleteEntity(OPEN_PARTITION, rowKey, etag === undefined ? {} : { etag });
        } catch (e) {
            // Gone already, or rewritten since it was read (then it is someone's live marker): leave it.
            if (!isNotFound(e) && !isUpdateConditionNotSatisfied(e)) {
                throw toDependencyError(e, 'Deleting a confirmation marker');
            }
        }
    }

    private async deleteIfPresent(partitionKey: string, rowKey: string): Promise<void> {
        try {
            await this.table.deleteEntity(partitionKey, rowKey);
        } catch (e) {
            if (!isNotFound(e)) throw e;
        }
    }
}
