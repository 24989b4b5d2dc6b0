import type { ConfirmationRecord } from '../domain/entraConfirmation';

/**
 * Per-request Entra ID confirmations (ENTRA_CONFIRMATION=on). Kept apart from the request store and the target
 * state so that the engine's records do not change shape for an opt-in feature.
 */
export interface ConfirmationStore {
    /** Stores a new record; an existing one for the request is kept (a retried submission). */
    create(record: ConfirmationRecord): Promise<void>;
    get(requestId: string): Promise<ConfirmationRecord | null>;
    /**
     * Replaces a record if its etag still matches; false when someone else changed it first (the caller reads it
     * again on its next pass).
     */
    update(record: ConfirmationRecord): Promise<boolean>;
    /** Records whose state is not final, oldest first, at most `limit`. */
    listOpen(limit: number): Promise<ConfirmationRecord[]>;
    /**
     * Retention (`REQUEST_RETENTION_DAYS`, as for requests): deletes up to `limit` records of requests accepted before
     * `acceptedBefore`, open or not. Returns how many were deleted.
     */
    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number>;
}
