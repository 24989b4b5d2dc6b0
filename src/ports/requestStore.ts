import type { MergeRefusal } from '../domain/decision';
import type { RequestRecord } from '../domain/requestStatus';

/** The outcome of registering a request: new, or the one already stored under the same key. */
export type RegisterRequestResult =
    | { readonly kind: 'created'; readonly record: RequestRecord }
    | { readonly kind: 'existing'; readonly record: RequestRecord };

/** Accepted requests, their idempotency keys and the window each was merged into. */
export interface RequestStore {
    /**
     * Stores a request unless one with the same idempotency key (or, without a key, the same id) exists;
     * then returns that one instead. Callers compare `bodyHash` to detect a key reused for another body.
     */
    register(record: RequestRecord): Promise<RegisterRequestResult>;
    /** Records the window a request was merged into (clearing an earlier refusal). Idempotent. */
    markMerged(requestId: string, windowSeq: number): Promise<void>;
    /**
     * Records that the engine refused to merge a request: its final state until a retry merges it. A refused
     * request is not listed by `listUnmerged` (reconcile must not merge what the engine refused). Idempotent.
     */
    markRefused(requestId: string, refusal: MergeRefusal): Promise<void>;
    get(requestId: string): Promise<RequestRecord | null>;
    /**
     * Requests accepted before `acceptedBefore` that were never merged (a crash in between), oldest first.
     * Costs in proportion to the unmerged requests, not to every request ever stored.
     */
    listUnmerged(acceptedBefore: number, limit: number): Promise<RequestRecord[]>;
    /**
     * Retention: deletes up to `limit` requests accepted before `acceptedBefore`, with their idempotency keys
     * (a later request may reuse such a key). Returns how many were deleted; fewer than `limit` means none are left.
     */
    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number>;
}
