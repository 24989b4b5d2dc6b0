import type { ObjectChunk } from '../domain/confirmationProgress';
import type { ConfirmationRecord, ConfirmationState, DirectoryObjectRef } from '../domain/entraConfirmation';

/**
 * Per-request Entra ID confirmations (ENTRA_CONFIRMATION=on). Kept apart from the request store and the target
 * state so that the engine's records do not change shape for an opt-in feature. A record's objects are kept in
 * chunks (`OBJECTS_PER_CHUNK`) beside it, each with its own etag, so a request naming thousands of objects stays
 * storable and a pass rewrites only what it changed.
 */
export interface ConfirmationStore {
    /**
     * Stores a new record and its objects, none looked up yet; an existing record for the request is kept (a
     * retried submission).
     */
    create(record: ConfirmationRecord, objects: readonly DirectoryObjectRef[]): Promise<void>;
    get(requestId: string): Promise<ConfirmationRecord | null>;
    /**
     * Replaces a record's state and next due time if its etag still matches; the stored record (with its new
     * etag), or null when someone else changed it first (the caller reads it again on its next pass).
     */
    update(
        record: ConfirmationRecord,
        next: { readonly state: ConfirmationState; readonly dueAt: number },
    ): Promise<ConfirmationRecord | null>;
    /** Records whose state is not final and whose `dueAt` is at or before `now`, earliest due first, at most `limit`. */
    listDue(now: number, limit: number): Promise<ConfirmationRecord[]>;
    /** The record's objects with their progress, every chunk in order. */
    readObjects(record: ConfirmationRecord): Promise<ObjectChunk[]>;
    /**
     * Saves changed chunks of a record, each only if its etag still matches; false when one was changed by someone
     * else first (chunks saved before it stay saved: progress is only ever what a lookup saw).
     */
    saveObjects(record: ConfirmationRecord, chunks: readonly ObjectChunk[]): Promise<boolean>;
    /**
     * Retention (`REQUEST_RETENTION_DAYS`, as for requests): deletes up to `limit` records of requests accepted before
     * `acceptedBefore`, open or not, with their objects. Returns how many were deleted.
     */
    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number>;
}
