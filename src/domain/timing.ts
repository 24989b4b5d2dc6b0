/**
 * Per-target timing: durations in milliseconds, counts as they are. The setting that sets each field, its per-target
 * override key, its range and its meaning are described once, in src/config/timingSettings.ts (and README
 * "Settings"); the domain holds only the fields and their default values.
 */
export interface TargetTiming {
    readonly quietMs: number;
    readonly maxWaitMs: number;
    readonly urgentMaxWaitMs: number;
    readonly minSpacingMs: number;
    readonly runTimeoutMs: number;
    readonly pollIntervalMs: number;
    readonly pollMaxIntervalMs: number;
    readonly workerOfflineAfterMs: number;
    readonly startRetryBudget: number;
    readonly maxRunAttempts: number;
    readonly maxWaitingJobs: number;
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
    maxWaitingJobs: 1,
    stopGraceMs: 300_000,
});
