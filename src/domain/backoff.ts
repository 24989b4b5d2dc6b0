import type { TargetTiming } from './timing';

/**
 * An exponential back-off: `baseMs` for the first `flatSteps` steps, then doubling with each step, never above
 * `maxMs`. The one formula every retry and poll cadence of the service uses; each use is a named strategy below.
 */
export interface Backoff {
    readonly baseMs: number;
    readonly maxMs: number;
    readonly flatSteps: number;
}

/**
 * The delay before `step` (1 for the first retry or reading).
 * @param step - which retry or reading this is, from 1
 * @param backoff - the strategy
 */
export function backoffDelay(step: number, backoff: Backoff): number {
    // Capped doublings: past 30 the product would only overflow into the cap anyway.
    const doublings = Math.min(30, Math.max(0, step - backoff.flatSteps));
    return Math.min(backoff.maxMs, backoff.baseMs * 2 ** doublings);
}

/** Reading a job: the base interval for the first three readings (a Delta cycle takes about a minute), then doubling. */
export function jobPollBackoff(timing: TargetTiming): Backoff {
    return { baseMs: timing.pollIntervalMs, maxMs: timing.pollMaxIntervalMs, flatSteps: 3 };
}

/** Creating a job again after a transient failure: the base interval, then doubling. */
export function jobCreateBackoff(timing: TargetTiming): Backoff {
    return { baseMs: timing.pollIntervalMs, maxMs: timing.pollMaxIntervalMs, flatSteps: 1 };
}

/** Saving a target's state again after losing an ETag race: milliseconds, since the winner is done already. */
export const SAVE_CONFLICT_BACKOFF: Backoff = { baseMs: 2, maxMs: 200, flatSteps: 1 };
