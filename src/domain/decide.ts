import type { ChangesAccepted, Decision, EngineInput } from './decision';
import {
    admitWindow,
    advancePipeline,
    jobCreated,
    jobObserved,
    jobReadFailed,
    jobStartFailed,
    joinQueuedRun,
    pipelineDueAt,
} from './pipeline';
import { Step } from './step';
import { MERGED_REQUEST_LIMIT, type TargetState } from './targetState';
import type { TargetTiming } from './timing';
import { acceptWake, ensureWake } from './wake';
import { initialRefusal, joinOpenWindow, openNewWindow, windowStartDueAt } from './window';

/**
 * The engine: pure, deterministic, no I/O. Given a target's state, something that happened and the time, returns
 * the next state and the effects to perform once that state is saved. It dispatches: changes go to the open window
 * (window.ts) or the run queued behind the running one (pipeline.ts); job answers go to the pipeline; then whatever
 * is due is done and a wake is made sure of (wake.ts).
 *
 * Guarantees kept here (proved by the property tests and the chaos suite; docs/ARCHITECTURE.md states them): at
 * most one run ahead and one run queued behind it per target, so at most two jobs, and the queued one's runbook
 * starts its cycle only once the running one has ended; every accepted change is covered by a run whose job was
 * created after it arrived or whose import started after it arrived (the runbook's evidence), or reported failed;
 * a change a run did not cover is carried to the next run; windows close by `maxWait` (`urgentMaxWait`) plus
 * `minSpacing`, a lead window (urgent, idle target) at its first change plus `minSpacing`, and during a run at once
 * into the queued run; wake-ups and Automation calls are per window.
 *
 * @param state - the target's current state
 * @param input - what happened
 * @param now - epoch milliseconds from the injected clock
 * @param timing - the target's timing
 */
export function decide(state: TargetState, input: EngineInput, now: number, timing: TargetTiming): Decision {
    const step = new Step(state, now, timing);
    let seq: number | null = null;
    switch (input.type) {
        case 'changesAccepted': {
            const refusal = initialRefusal(state, input, now);
            if (refusal !== null) return { kind: 'refused', refusal };
            seq = acceptChanges(step, input);
            break;
        }
        case 'wake':
            if (!acceptWake(step, input.token, nextDueAt(step))) return unchanged(state);
            break;
        case 'jobCreated':
            if (!jobCreated(step, input.seq, input.attempt, input.jobName)) return unchanged(state);
            break;
        case 'jobStartFailed':
            if (!jobStartFailed(step, input.seq, input.attempt, input.transient, input.reason)) return unchanged(state);
            break;
        case 'jobObserved':
            if (!jobObserved(step, input.seq, input.attempt, input.observation)) return unchanged(state);
            break;
        case 'jobReadFailed':
            if (!jobReadFailed(step, input.seq, input.attempt, input.reason)) return unchanged(state);
            break;
    }
    advancePipeline(step);
    admitWindow(step);
    ensureWake(step, nextDueAt(step));
    return { kind: 'decided', state: step.state, effects: step.effects, changed: step.state !== state, seq };
}

function unchanged(state: TargetState): Decision {
    return { kind: 'decided', state, effects: [], changed: false, seq: null };
}

/**
 * Merges a request's changes: into the open window; else into the run queued behind the running one; else into a
 * new window. A retried merge of a request already merged counts nothing. Returns the seq that took them.
 */
function acceptChanges(step: Step, input: ChangesAccepted): number {
    const merged = step.state.recentRequests.find((r) => r.requestId === input.requestId);
    if (merged !== undefined) return merged.seq;
    const window = step.state.window;
    const seq =
        window !== null
            ? joinOpenWindow(step, window, input)
            : (joinQueuedRun(step, input) ?? openNewWindow(step, input));
    const recent = [...step.state.recentRequests, { requestId: input.requestId, seq }];
    step.update({
        recentRequests: recent.slice(-MERGED_REQUEST_LIMIT),
        lastInitialAcceptedAt: input.policy === 'Initial' ? step.now : step.state.lastInitialAcceptedAt,
    });
    return seq;
}

/** When something next needs the engine's attention, or null when the target is idle. */
function nextDueAt(step: Step): number | null {
    const { runs, window, spacingFrom } = step.state;
    const pipeline = pipelineDueAt(runs, step.timing);
    // A window beside a run in progress is admitted (queued) or waits for the run: the run's due times cover it.
    if (window === null || runs !== null) return pipeline;
    return windowStartDueAt(window, spacingFrom, step.timing);
}
