import type { DirectoryObjectRef, LookupFailure, LookupRound } from './entraConfirmation';

/**
 * Where the lookups of one object stand. An object is asked about until it is found, and never again after:
 * - `open`: not found yet. `answeredRound` is the last round whose lookup answered (not there, or a cloud object
 *   under the UPN: `cloudObject`); -1 before any answer. A failed lookup counts in `failures` (consecutive, since
 *   `failingSince`) and defers the object's next lookup to `nextAt`, its own back-off.
 * - `found`: in Entra ID and synced from on-premises, seen at `at`.
 * - `gaveUp`: every lookup failed for the whole deadline; `failure` is the last reason. Final for this object.
 */
export type ObjectProgress =
    | {
          readonly s: 'open';
          readonly answeredRound: number;
          readonly cloudObject: boolean;
          readonly failures: number;
          readonly failingSince: number | null;
          readonly lastFailure: LookupFailure | null;
          readonly nextAt: number;
      }
    | { readonly s: 'found'; readonly at: number }
    | { readonly s: 'gaveUp'; readonly at: number; readonly failure: LookupFailure };

type OpenProgress = Extract<ObjectProgress, { readonly s: 'open' }>;

/** An object nobody has asked about yet. */
export const NOT_LOOKED_UP: OpenProgress = Object.freeze({
    s: 'open',
    answeredRound: -1,
    cloudObject: false,
    failures: 0,
    failingSince: null,
    lastFailure: null,
    nextAt: 0,
});

/**
 * A request's objects are kept in chunks of this many (with their progress), so that a request naming thousands of
 * objects never outgrows one stored record and a pass rewrites only the chunks it changed.
 */
export const OBJECTS_PER_CHUNK = 250;

/** One chunk of a request's objects, with the progress of each (same order). */
export interface ObjectChunk {
    readonly index: number;
    readonly refs: readonly DirectoryObjectRef[];
    readonly progress: readonly ObjectProgress[];
    /** The optimistic-concurrency tag of the stored chunk; null for one not stored yet. */
    readonly etag: string | null;
}

/**
 * A new confirmation's objects, chunked, none looked up yet.
 * @param refs - the objects a request names
 */
export function chunkObjects(refs: readonly DirectoryObjectRef[]): ObjectChunk[] {
    const chunks: ObjectChunk[] = [];
    for (let start = 0; start < refs.length; start += OBJECTS_PER_CHUNK) {
        const part = refs.slice(start, start + OBJECTS_PER_CHUNK);
        chunks.push({ index: chunks.length, refs: part, progress: part.map(() => NOT_LOOKED_UP), etag: null });
    }
    return chunks;
}

/** How many chunks a confirmation of `objectCount` objects has. */
export const chunkCountOf = (objectCount: number): number => Math.ceil(objectCount / OBJECTS_PER_CHUNK);

/** What one lookup answered about one object (the app maps the directory's answer to this). */
export type ObjectAnswer =
    | { readonly kind: 'found'; readonly synced: boolean }
    | { readonly kind: 'absent' }
    | { readonly kind: 'failed'; readonly failure: LookupFailure; readonly retryAt: number | null }
    /** Not asked: the directory said to wait (nothing was sent); not a failure of this object. */
    | { readonly kind: 'deferred'; readonly until: number }
    /** Not asked in this call (the call's budget ended first): nothing changes. */
    | { readonly kind: 'notAsked' };

/** How failed lookups back off, and when the service stops asking. */
export interface LookupRetryPolicy {
    /** The first retry after this long (one timer period), doubling per consecutive failure ... */
    readonly firstRetryMs: number;
    /** ... up to this. */
    readonly maxRetryMs: number;
    /** An object whose lookups keep failing this long after the first failure is given up (final, with the reason). */
    readonly deadlineMs: number;
}

/**
 * The back-off of an object after its `failures`-th consecutive failed lookup: doubling from `firstRetryMs`, capped.
 * A pure function of its own until the shared back-off helper exists; the Graph adapter has its own for in-call
 * retries (src/adapters/graph/retryAfter.ts).
 */
export function lookupRetryDelayMs(failures: number, policy: LookupRetryPolicy): number {
    const exponent = Math.min(Math.max(0, failures - 1), 30);
    return Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** exponent);
}

/**
 * The largest number of lookups one object can get in one round while every one of them fails: a failure at 0, then
 * one after each back-off, until the deadline. Used to state (and test) the cost bound.
 */
export function maxFailedLookupsPerRound(policy: LookupRetryPolicy): number {
    let attempts = 1;
    let elapsed = 0;
    for (let failures = 1; ; failures++) {
        // The next lookup happens after the back-off; failing at or after the deadline, it is the last one.
        elapsed += lookupRetryDelayMs(failures, policy);
        attempts++;
        if (elapsed >= policy.deadlineMs) return attempts;
    }
}

/**
 * An object's progress after one lookup answered in `round` at `now`.
 * @param progress - before
 * @param answer - what the lookup said about it
 */
export function afterAnswer(
    progress: ObjectProgress,
    answer: ObjectAnswer,
    round: LookupRound,
    now: number,
    policy: LookupRetryPolicy,
): ObjectProgress {
    if (progress.s !== 'open' || answer.kind === 'notAsked') return progress;
    switch (answer.kind) {
        case 'found':
            if (answer.synced) return { s: 'found', at: now };
            return { ...NOT_LOOKED_UP, answeredRound: round, cloudObject: true };
        case 'absent':
            return { ...NOT_LOOKED_UP, answeredRound: round };
        case 'deferred':
            return { ...progress, nextAt: Math.max(progress.nextAt, answer.until) };
        case 'failed': {
            const failingSince = progress.failingSince ?? now;
            if (now - failingSince >= policy.deadlineMs) return { s: 'gaveUp', at: now, failure: answer.failure };
            const failures = progress.failures + 1;
            const nextAt = Math.max(answer.retryAt ?? 0, now + lookupRetryDelayMs(failures, policy));
            return { ...progress, failures, failingSince, lastFailure: answer.failure, nextAt };
        }
    }
}

/** Whether the object is to be looked up in `round` at `now`. */
export const isDueForLookup = (p: ObjectProgress, round: LookupRound, now: number): boolean =>
    p.s === 'open' && p.answeredRound < round && p.nextAt <= now;

/** Where a round stands over all of a request's objects. */
export interface RoundTally {
    readonly found: number;
    /** Answered in this round and not there (or a cloud object). */
    readonly missing: number;
    readonly cloudObject: boolean;
    readonly gaveUp: number;
    readonly lastFailure: LookupFailure | null;
    /** Still waiting for an answer in this round ... */
    readonly awaiting: number;
    /** ... the earliest of them due at (null when none awaits). */
    readonly nextDueAt: number | null;
}

/**
 * Tallies a round over the objects' progress.
 * @param chunks - every chunk of the request
 * @param round - the round being checked
 */
export function tallyRound(chunks: readonly ObjectChunk[], round: LookupRound): RoundTally {
    let found = 0;
    let missing = 0;
    let cloudObject = false;
    let gaveUp = 0;
    let lastFailure: LookupFailure | null = null;
    let awaiting = 0;
    let nextDueAt: number | null = null;
    for (const p of chunks.flatMap((c) => c.progress)) {
        if (p.s === 'found') found++;
        else if (p.s === 'gaveUp') {
            gaveUp++;
            lastFailure = p.failure;
        } else if (p.answeredRound < round) {
            awaiting++;
            nextDueAt = Math.min(nextDueAt ?? p.nextAt, p.nextAt);
        } else {
            missing++;
            cloudObject ||= p.cloudObject;
        }
    }
    return { found, missing, cloudObject, gaveUp, lastFailure, awaiting, nextDueAt };
}
