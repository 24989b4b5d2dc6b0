/**
 * Per-target timing, all in milliseconds. See README "Settings" for defaults and meaning.
 */
export interface TargetTiming {
    /** Close the window after this long without new changes (trailing debounce). */
    readonly quietMs: number;
    /** Never hold a window open longer than this after its first change. */
    readonly maxWaitMs: number;
    /** The cap for urgent changes (joiners, passwords); not more than `maxWaitMs`. */
    readonly urgentMaxWaitMs: number;
    /** Minimum time between two cycle starts on the target. */
    readonly minSpacingMs: number;
    /** Stop a job that has not finished this long after it was created. */
    readonly runTimeoutMs: number;
    /** First poll of a job this long after it was created, and the base of the poll back-off. */
    readonly pollIntervalMs: number;
    /** Upper bound of the poll back-off. */
    readonly pollMaxIntervalMs: number;
    /** A job still queued (`New`, `Activating`) this long after creation means the Hybrid Worker is offline. */
    readonly workerOfflineAfterMs: number;
    /** How many times a failed job creation is retried (transient failures only) before the run fails. */
    readonly startRetryBudget: number;
    /** How many attempts a run gets when the cycle reports a retryable outcome (Connect busy too long). */
    readonly maxRunAttempts: number;
    /** After a stop was requested, give up waiting for the job to confirm after this long. */
    readonly stopGraceMs: number;
}

/** Defaults: a joiner is in a cycle within about a minute; bulk changes coalesce over up to five. */
export const DEFAULT_TIMING: TargetTiming = Object.freeze({
    quietMs: 20_000,
    maxWaitMs: 300_000,
    urgentMaxWaitMs: 30_000,
    minSpacingMs: 60_000,
    runTimeoutMs: 3_600_000,
    pollIntervalMs: 15_000,
    pollMaxIntervalMs: 60_000,
    workerOfflineAfterMs: 180_000,
    startRetryBudget: 5,
    maxRunAttempts: 3,
    stopGraceMs: 300_000,
});
