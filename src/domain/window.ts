import type { ChangesAccepted, MergeRefusal } from './decision';
import type { Step } from './step';
import { addTally, tallyOf } from './tally';
import type { OpenWindow, TargetState } from './targetState';
import type { TargetTiming } from './timing';

/** An Initial within the target's Initial interval, unless it is a retry of a request already merged. */
export function initialRefusal(state: TargetState, input: ChangesAccepted, now: number): MergeRefusal | null {
    const interval = input.initialMinIntervalMs;
    const last = state.lastInitialAcceptedAt;
    if (input.policy !== 'Initial' || interval === undefined || last === null || now - last >= interval) return null;
    if (state.recentRequests.some((r) => r.requestId === input.requestId)) return null;
    return { reason: 'initialRateLimited', retryAt: last + interval };
}

/** The moment a window may become a run: closed by debounce or deadline, and spaced from the latest run's start. */
export function windowStartDueAt(window: OpenWindow, spacingFrom: number | null, timing: TargetTiming): number {
    const closeAt = windowCloseAt(window, timing);
    return spacingFrom === null ? closeAt : Math.max(closeAt, spacingFrom + timing.minSpacingMs);
}

/**
 * The moment the debounce (or a deadline) closes the window, ignoring spacing and runs in progress. A lead window
 * is closed from its first change: nothing is gained by waiting for quiet when no cycle is running, and the joiner
 * is the change the operator is waiting for.
 */
export function windowCloseAt(window: OpenWindow, timing: TargetTiming): number {
    if (window.lead) return window.firstChangeAt;
    const quietAt = window.lastChangeAt + timing.quietMs;
    const deadline = window.firstChangeAt + timing.maxWaitMs;
    const first = window.tally.firstUrgentAt;
    const urgentDeadline = first === null ? Number.POSITIVE_INFINITY : first + timing.urgentMaxWaitMs;
    return Math.min(quietAt, deadline, urgentDeadline);
}

/**
 * Merges a request's changes into the open window. An urgent change that finds no run in progress leads the
 * window it joins too: a burst still arriving would otherwise hold the joiner until quiet or `urgentMaxWait`, and
 * whatever arrives after the window closes gets the run queued behind it at once.
 * @returns the window's seq
 */
export function joinOpenWindow(step: Step, window: OpenWindow, input: ChangesAccepted): number {
    const lead = window.lead || (input.urgentCount > 0 && step.state.runs === null);
    const joined: OpenWindow = {
        ...window,
        tally: addTally(window.tally, tallyOf(input, step.now)),
        lastChangeAt: Math.max(window.lastChangeAt, step.now),
        lead,
    };
    step.update({ window: joined });
    return window.seq;
}

/**
 * Opens a window for a request's changes (none is open). It leads when an urgent change finds no run in progress.
 * @returns the new window's seq
 */
export function openNewWindow(step: Step, input: ChangesAccepted): number {
    const { now, state } = step;
    const window: OpenWindow = {
        seq: state.nextSeq,
        tally: tallyOf(input, now),
        firstChangeAt: now,
        lastChangeAt: now,
        lead: input.urgentCount > 0 && state.runs === null,
        correlationId: input.correlationId,
    };
    step.update({ window, nextSeq: state.nextSeq + 1 });
    step.emit({
        type: 'WindowOpened',
        targetId: state.targetId,
        correlationId: window.correlationId,
        seq: window.seq,
        policy: input.policy,
        urgent: input.urgentCount > 0,
        lead: window.lead,
    });
    return window.seq;
}
