import type { Step } from './step';
import type { PendingWake } from './targetState';

/** How late a pending wake may be before the reconcile timer assumes it was lost and schedules another. */
export const LOST_WAKE_GRACE_MS = 60_000;

/**
 * Whether a pending wake is so overdue that it was lost (its message dropped): then it is replaced.
 * @param pending - the pending wake
 * @param now - the time
 */
function isLostWake(pending: PendingWake, now: number): boolean {
    return pending.at + LOST_WAKE_GRACE_MS < now;
}

/**
 * A wake-up arrived: its own token clears the pending wake; the reconcile timer (`token: null`) clears one that was
 * lost. Returns false for a stale or early wake that finds nothing to do, so nothing is saved; such a wake still
 * acts if something is overdue (its replacement may have been lost).
 * @param step - the decision in the making
 * @param token - the wake's token, or null for the reconcile timer
 * @param dueAt - when the engine is next needed, or null when the target is idle
 */
export function acceptWake(step: Step, token: string | null, dueAt: number | null): boolean {
    const pending = step.state.wake;
    const lost = token === null && pending !== null && isLostWake(pending, step.now);
    if ((token !== null && pending?.token === token) || lost) {
        step.update({ wake: null });
        return true;
    }
    return (dueAt !== null && dueAt <= step.now) || (pending === null && dueAt !== null);
}

/**
 * Makes sure a wake is pending for `dueAt`. An earlier pending wake will re-evaluate and reschedule, so a window
 * costs one wake, not one per change; a pending wake long overdue was lost and is replaced now rather than at the
 * reconcile timer.
 * @param step - the decision in the making
 * @param dueAt - when the engine is next needed, or null when the target is idle
 */
export function ensureWake(step: Step, dueAt: number | null): void {
    const pending = step.state.wake;
    if (dueAt === null || (pending !== null && pending.at <= dueAt && !isLostWake(pending, step.now))) return;
    const counter = step.state.wakeCounter + 1;
    const token = `${step.state.targetId}:${counter}`;
    const at = Math.max(dueAt, step.now);
    step.update({ wake: { token, at }, wakeCounter: counter });
    step.effects.push({ type: 'scheduleWake', targetId: step.state.targetId, token, at });
}
