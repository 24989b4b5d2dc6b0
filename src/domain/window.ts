import { addKindCounts } from './change';
import type { EngineInput, MergeRefusal } from './decision';
import { strongerPolicy } from './policy';
import type { OpenWindow, StartingRun, TargetState } from './targetState';
import type { TargetTiming } from './timing';

/** A request's changes, as the engine merges them. */
type ChangesAccepted = Extract<EngineInput, { type: 'changesAccepted' }>;

/** An Initial within the target's Initial interval, unless it is a retry of a request already merged. */
export function initialRefusal(state: TargetState, input: ChangesAccepted, now: number): MergeRefusal | null {
    const interval = input.initialMinIntervalMs;
    const last = state.lastInitialAcceptedAt;
    if (input.policy !== 'Initial' || interval === undefined || last === null || now - last >= interval) return null;
    if (state.recentRequests.some((r) => r.requestId === input.requestId)) return null;
    return { reason: 'initialRateLimited', retryAt: last + interval };
}

/** The moment a window may become a run: closed by debounce or deadline, and spaced from the last start. */
export function windowStartDueAt(window: OpenWindow, lastRunStartedAt: number | null, timing: TargetTiming): number {
    const closeAt = windowCloseAt(window, timing);
    const spacedAt = lastRunStartedAt === null ? closeAt : lastRunStartedAt + timing.minSpacingMs;
    return Math.max(closeAt, spacedAt);
}

/**
 * The moment the debounce (or a deadline) closes the window, ignoring spacing and runs in progress. A lead window
 * (an urgent change on an idle target) is closed from its first change: nothing is gained by waiting for quiet
 * when no cycle is running, and the joiner is the change the operator is waiting for.
 */
export function windowCloseAt(window: OpenWindow, timing: TargetTiming): number {
    if (window.lead) return window.firstChangeAt;
    const quietAt = window.lastChangeAt + timing.quietMs;
    const deadline = window.firstChangeAt + timing.maxWaitMs;
    const urgentDeadline =
        window.firstUrgentAt === null ? Number.POSITIVE_INFINITY : window.firstUrgentAt + timing.urgentMaxWaitMs;
    return Math.min(quietAt, deadline, urgentDeadline);
}

/**
 * The window a request opens on a target with none open.
 * @param input - the request's changes
 * @param seq - the new window's number
 * @param now - when it arrived
 * @param idle - whether no run is in progress (an urgent change then leads)
 */
export function openWindow(input: ChangesAccepted, seq: number, now: number, idle: boolean): OpenWindow {
    const urgent = input.urgentCount > 0;
    return {
        seq,
        policy: input.policy,
        firstChangeAt: now,
        lastChangeAt: now,
        firstUrgentAt: urgent ? now : null,
        // Idle: no window (this change opens it) and no run in progress, a retry's included.
        lead: urgent && idle,
        changeCount: input.changeCount,
        urgentCount: input.urgentCount,
        requestCount: 1,
        kinds: input.kinds,
        correlationId: input.correlationId,
    };
}

/**
 * The open window with a request's changes merged in.
 * @param window - the open window
 * @param input - the request's changes
 * @param now - when it arrived
 */
export function joinWindow(window: OpenWindow, input: ChangesAccepted, now: number): OpenWindow {
    const urgent = input.urgentCount > 0;
    return {
        ...window,
        policy: strongerPolicy(window.policy, input.policy),
        lastChangeAt: Math.max(window.lastChangeAt, now),
        firstUrgentAt: window.firstUrgentAt ?? (urgent ? now : null),
        changeCount: window.changeCount + input.changeCount,
        urgentCount: window.urgentCount + input.urgentCount,
        requestCount: window.requestCount + 1,
        kinds: addKindCounts(window.kinds, input.kinds),
    };
}

/**
 * The run that covers a window closed at `now`, its job create due at once.
 * @param window - the window that closes
 * @param now - when it closes
 * @param notBefore - for a run queued behind another: its cycle's earliest start; null otherwise
 */
export function runForWindow(window: OpenWindow, now: number, notBefore: number | null): StartingRun {
    return {
        seq: window.seq,
        attempt: 1,
        phase: 'starting',
        policy: window.policy,
        changeCount: window.changeCount,
        urgentCount: window.urgentCount,
        requestCount: window.requestCount,
        kinds: window.kinds,
        correlationId: window.correlationId,
        firstChangeAt: window.firstChangeAt,
        firstUrgentAt: window.firstUrgentAt,
        windowClosedAt: now,
        startDueAt: now,
        startFailures: 0,
        lastError: null,
        joinedSince: now,
        joins: [],
        notBefore,
    };
}
