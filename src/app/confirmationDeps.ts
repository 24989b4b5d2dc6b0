import type { LookupRetryPolicy } from '../domain/confirmationProgress';
import type { RequestStatus } from '../domain/requestStatus';
import type { Clock } from '../ports/clock';
import type { ConfirmationStore } from '../ports/confirmationStore';
import type { Directory } from '../ports/directory';
import type { Logger } from '../ports/logger';
import type { Telemetry } from '../ports/telemetry';

/** What ENTRA_CONFIRMATION=on wires in: where confirmations are kept, the directory, the settings. */
export interface EntraConfirmation {
    readonly store: ConfirmationStore;
    readonly directory: Directory;
    readonly settings: ConfirmationSettings;
}

/** ENTRA_CONFIRMATION_* settings. */
export interface ConfirmationSettings {
    /** Wait this long after a cycle that did not carry an object before submitting the extra run (replication). */
    readonly extraRunDelayMs: number;
    /** Extra runs per request when an object is missing (1 by default; 0: report at once). */
    readonly maxExtraRuns: number;
    /** Open confirmations read per pass. */
    readonly batchSize: number;
    /** Records of requests older than this are deleted (REQUEST_RETENTION_DAYS, as the requests themselves). */
    readonly retentionMs: number;
    /**
     * Directory requests one pass may make over all records (ENTRA_CONFIRMATION_LOOKUPS_PER_PASS). A record gets at
     * most {@link shareOf} of it before every other due record had its turn.
     */
    readonly lookupsPerPass: number;
    /** A failing object is given up (final, with the reason) this long after its first failed lookup. */
    readonly lookupDeadlineMs: number;
}

/**
 * What a record may spend in a pass before the others due had theirs: a fifth of the pass budget, at least one
 * full call (so a large request still moves 300 objects a turn).
 */
export const shareOf = (lookupsPerPass: number, requestsPerCall: number): number =>
    Math.min(lookupsPerPass, Math.max(requestsPerCall, Math.floor(lookupsPerPass / 5)));

/** The back-off of failed lookups: the timer's period, doubling, at most 5 minutes; given up after the deadline. */
export const retryPolicyOf = (settings: ConfirmationSettings): LookupRetryPolicy => ({
    firstRetryMs: 30_000,
    maxRetryMs: 300_000,
    deadlineMs: settings.lookupDeadlineMs,
});

/**
 * Ports of the confirmation use case. The request status and the extra run are given as functions so that the
 * use case reuses the status query and the one submission path without knowing the engine.
 */
export interface ConfirmVisibilityDeps {
    readonly directory: Directory;
    readonly confirmations: ConfirmationStore;
    readonly clock: Clock;
    readonly telemetry: Telemetry;
    readonly settings: ConfirmationSettings;
    /** The request's status as GET answers it (without confirmation); null when unknown. */
    readonly requestStatus: (requestId: string) => Promise<RequestStatus | null>;
    /**
     * Submits one synthetic manual change for the target through the ordinary submission path under the given
     * idempotency key (so a repeat is a duplicate, never a second run); returns the new request's id, or null when
     * the engine refused it.
     */
    readonly submitExtraRun: (targetId: string, idempotencyKey: string) => Promise<string | null>;
    readonly log?: Logger;
}
