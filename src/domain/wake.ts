import type { PendingWake } from './targetState';

/** How late a pending wake may be before the reconcile timer assumes it was lost and schedules another. */
export const LOST_WAKE_GRACE_MS = 60_000;

/**
 * Whether a pending wake is so overdue that it was lost (its message dropped): then it is replaced.
 * @param pending - the pending wake
 * @param now - the time
 */
export function isLostWake(pending: PendingWake, now: number): boolean {
    return pending.at + LOST_WAKE_GRACE_MS < now;
}

/**
 * Whether a wake must be scheduled for `due`: none pending, or the pending one is later or lost. An earlier
 * pending wake re-evaluates and reschedules, so a window costs one wake, not one per change.
 * @param pending - the pending wake, if any
 * @param due - when the engine is next needed
 * @param now - the time
 */
export function needsWake(pending: PendingWake | null, due: number, now: number): boolean {
    return pending === null || pending.at > due || isLostWake(pending, now);
}
