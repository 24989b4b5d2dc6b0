import {
    canJoinRun,
    carriedJoins,
    carryIntoWindow,
    joinRun,
    uncoveredFrom,
    windowForCarried,
    withoutCarried,
} from './coverage';
import { type CycleReport, isRetryableOutcome } from './cycleOutcome';
import type { Decision, Effect, EngineInput } from './decision';
import type { EngineEvent } from './engineEvent';
import { delayAroundExpectedEnd, expectedCycleMs } from './expectedEnd';
import type { JobObservation } from './jobObservation';
import { readJob } from './jobReading';
import {
    attentionStopFor,
    nextAttempt,
    pollDelay,
    promoted,
    runDueAt,
    runWithJob,
    startRetryDelay,
    stopDueSince,
    stopReasonFor,
    stopReasonText,
    trailDueAt,
} from './runLifecycle';
import {
    HISTORY_LIMIT,
    type JobRun,
    type JoinedChanges,
    MERGED_REQUEST_LIMIT,
    type OpenWindow,
    type Run,
    type RunWithJob,
    type StartingRun,
    type StoppingRun,
    summarizeRun,
    type TargetState,
} from './targetState';
import type { TargetTiming } from './timing';
import { isLostWake, needsWake } from './wake';
import { initialRefusal, joinWindow, openWindow, runForWindow, windowStartDueAt } from './window';

/**
 * The engine: pure, deterministic, no I/O. Given a target's state, something that happened and the time,
 * returns the next state and the effects to perform once that state is saved.
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
    switch (input.type) {
        case 'changesAccepted': {
            const refusal = initialRefusal(state, input, now);
            if (refusal !== null) return { state, effects: [], changed: false, refusal };
            step.acceptChanges(input);
            break;
        }
        case 'wake':
            if (!step.wake(input.token)) return { state, effects: [], changed: false };
            break;
        case 'jobCreated':
            if (!step.jobCreated(input.seq, input.attempt, input.jobName)) return unchanged(state);
            break;
        case 'jobStartFailed':
            if (!step.jobStartFailed(input.seq, input.attempt, input.transient, input.reason)) return unchanged(state);
            break;
        case 'jobObserved':
            if (!step.jobObserved(input.seq, input.attempt, input.observation)) return unchanged(state);
            break;
        case 'jobReadFailed':
            if (!step.jobReadFailed(input.seq, input.attempt, input.reason)) return unchanged(state);
            break;
    }
    step.advance();
    return step.result();
}

function unchanged(state: TargetState): Decision {
    return { state, effects: [], changed: false };
}

/** Where a run sits: ahead (its cycle runs or is about to) or queued behind the run ahead. */
type Slot = 'run' | 'trail';

/** Mutable working copy for one decision; keeps `decide` readable. */
class Step {
    private state: TargetState;
    private readonly effects: Effect[] = [];
    private assignedSeq: number | undefined;

    constructor(
        private readonly initial: TargetState,
        private readonly now: number,
        private readonly timing: TargetTiming,
    ) {
        this.state = initial;
    }

    result(): Decision {
        const decision: Decision = { state: this.state, effects: this.effects, changed: this.state !== this.initial };
        return this.assignedSeq === undefined ? decision : { ...decision, assignedSeq: this.assignedSeq };
    }

    acceptChanges(input: Extract<EngineInput, { type: 'changesAccepted' }>): void {
        const merged = this.state.recentRequests.find((r) => r.requestId === input.requestId);
        if (merged) {
            // A retried merge of the same request: the first one already counted it.
            this.assignedSeq = merged.seq;
            return;
        }
        const seq = this.mergeChanges(input);
        const recent = [...this.state.recentRequests, { requestId: input.requestId, seq }];
        this.state = {
            ...this.state,
            recentRequests: recent.length > MERGED_REQUEST_LIMIT ? recent.slice(-MERGED_REQUEST_LIMIT) : recent,
            lastInitialAcceptedAt: input.policy === 'Initial' ? this.now : this.state.lastInitialAcceptedAt,
        };
        this.assignedSeq = seq;
    }

    /**
     * Into the open window; else into the run queued behind the running one (its runbook is still waiting, so its
     * cycle may well read them: its end tells); else a new window. Returns the seq that took them.
     */
    private mergeChanges(input: Extract<EngineInput, { type: 'changesAccepted' }>): number {
        const { window, trail } = this.state;
        if (window !== null) {
            const joined = joinWindow(window, input, this.now);
            // An urgent change with no run in progress leads the window it joins too: a burst that is still
            // arriving would otherwise hold the joiner until quiet or urgentMaxWait, and whatever arrives after the
            // window closes gets the run queued behind it at once.
            const lead = joined.lead || (input.urgentCount > 0 && this.state.run === null);
            this.state = { ...this.state, window: { ...joined, lead } };
            return window.seq;
        }
        if (trail !== null && canJoinRun(trail, input.policy)) {
            this.state = { ...this.state, trail: joinRun(trail, input, this.now) };
            return trail.seq;
        }
        const next = openWindow(input, this.state.nextSeq, this.now, this.state.run === null);
        this.state = { ...this.state, window: next, nextSeq: this.state.nextSeq + 1 };
        this.emit({
            type: 'WindowOpened',
            targetId: this.state.targetId,
            correlationId: next.correlationId,
            seq: next.seq,
            policy: next.policy,
            urgent: input.urgentCount > 0,
            lead: next.lead,
        });
        return next.seq;
    }

    /** Returns false for a stale wake that finds nothing to do, so nothing is saved. */
    wake(token: string | null): boolean {
        const pending = this.state.wake;
        if (token !== null && pending?.token === token) {
            this.state = { ...this.state, wake: null };
            return true;
        }
        if (token === null && pending !== null && isLostWake(pending, this.now)) {
            // The reconcile timer found a wake that should have fired long ago: assume it was lost.
            this.state = { ...this.state, wake: null };
            return true;
        }
        // A stale or early wake still acts if something is overdue (e.g. its replacement was lost).
        return this.somethingDue() || (pending === null && this.nextDueAt() !== null);
    }

    jobCreated(seq: number, attempt: number, jobName: string): boolean {
        const found = this.findRun(seq, attempt);
        if (found === null || found.run.phase !== 'starting') return false;
        const { slot, run } = found;
        this.setRun(slot, runWithJob(run, jobName, this.now, this.timing));
        this.emit({
            type: 'JobStarted',
            targetId: this.state.targetId,
            correlationId: run.correlationId,
            seq,
            attempt,
            jobName,
            policy: run.policy,
            changeToJobStartMs: this.now - run.firstChangeAt,
            urgentToJobStartMs: run.firstUrgentAt === null ? null : this.now - run.firstUrgentAt,
        });
        return true;
    }

    jobStartFailed(seq: number, attempt: number, transient: boolean, reason: string): boolean {
        const found = this.findRun(seq, attempt);
        if (found === null || found.run.phase !== 'starting') return false;
        const { slot, run } = found;
        const failures = run.startFailures + 1;
        const willRetry = transient && failures <= this.timing.startRetryBudget;
        this.emit({
            type: 'JobStartFailed',
            targetId: this.state.targetId,
            correlationId: run.correlationId,
            seq,
            attempt,
            transient,
            willRetry,
            reason,
        });
        if (willRetry) {
            this.setRun(slot, {
                ...run,
                startFailures: failures,
                startDueAt: this.now + startRetryDelay(failures, this.timing),
                lastError: reason,
            });
        } else {
            this.finishRun(slot, run, { outcome: 'StartFailed', reason, exportErrors: 0 }, null);
        }
        return true;
    }

    jobObserved(seq: number, attempt: number, observation: JobObservation): boolean {
        const found = this.findRun(seq, attempt);
        if (found === null || found.run.phase === 'starting') return false;
        const { slot, run } = found;
        const nextPollAt = this.now + this.pollDelayOf(slot, run, run.polls + 1);
        const reading = readJob(this.state.targetId, run, observation, nextPollAt, this.now, this.timing);
        if (reading.kind === 'goesOn') {
            this.setRun(slot, reading.run);
            if (reading.event !== null) this.emit(reading.event);
        } else if (observation.kind === 'notFound') {
            // Lost: nothing more will be learnt about the job, so no retry either.
            this.finishRun(slot, reading.run, reading.report, run.jobStartedAt);
        } else {
            this.completeAttempt(slot, reading.run, reading.report);
        }
        return true;
    }

    jobReadFailed(seq: number, attempt: number, reason: string): boolean {
        const found = this.findRun(seq, attempt);
        if (found === null || found.run.phase === 'starting') return false;
        const { slot, run } = found;
        this.setRun(slot, {
            ...run,
            lastError: reason,
            nextPollAt: this.now + this.pollDelayOf(slot, run, run.polls + 1),
        });
        return true;
    }

    /** Performs whatever is due now, then makes sure a wake is pending for the next due moment. */
    advance(): void {
        this.advanceRun('run');
        this.advanceRun('trail');
        this.advanceWindow();
        this.ensureWake();
    }

    private advanceRun(slot: Slot): void {
        const run = this.state[slot];
        if (run === null) return;
        switch (run.phase) {
            case 'starting':
                this.advanceStarting(slot, run);
                return;
            case 'active':
                this.advanceActive(slot, run);
                return;
            case 'stopping':
                this.advanceStopping(slot, run);
                return;
        }
    }

    private advanceStarting(slot: Slot, run: StartingRun): void {
        if (this.now < run.startDueAt) return;
        // Also re-issued after a crash between saving and creating: the job name is deterministic.
        this.setRun(slot, { ...run, startDueAt: this.now + this.timing.pollIntervalMs });
        this.effects.push({
            type: 'startJob',
            targetId: this.state.targetId,
            epoch: this.state.epoch,
            seq: run.seq,
            attempt: run.attempt,
            policy: run.policy,
            correlationId: run.correlationId,
            notBefore: run.notBefore,
        });
    }

    private advanceActive(slot: Slot, run: JobRun): void {
        // A queued run's runbook is waiting for the server: the run ahead's timeout covers that wait, not its own.
        const stopReason =
            slot === 'trail' ? attentionStopFor(run, this.now, this.timing) : stopReasonFor(run, this.now, this.timing);
        if (stopReason !== null && !this.readSince(run, stopDueSince(run, this.timing))) {
            // Decide on evidence: after lost wakes the timeout can pass unseen, and the job may have finished
            // (or be gone) meanwhile. Read it first; the stop is decided when the reading comes back.
            this.poll(slot, run);
            return;
        }
        if (stopReason !== null) {
            const stopping: StoppingRun = {
                ...run,
                phase: 'stopping',
                stopRequestedAt: this.now,
                stopReason,
                nextPollAt: this.now + this.timing.pollIntervalMs,
            };
            this.setRun(slot, stopping);
            this.requestStop(stopping);
            this.emit({
                type: 'JobStopRequested',
                targetId: this.state.targetId,
                correlationId: run.correlationId,
                seq: run.seq,
                jobName: run.jobName,
                reason: stopReason,
            });
            return;
        }
        if (this.now >= run.nextPollAt) this.poll(slot, run);
    }

    private advanceStopping(slot: Slot, run: StoppingRun): void {
        if (this.now >= run.stopRequestedAt + this.timing.stopGraceMs) {
            // The job never confirmed the stop; free the target rather than block it forever. Ask once more as we
            // let go: when lost wakes kept the engine from polling during the grace, the stops repeated with each
            // poll (below) never went out, and the next run would start beside a job still running.
            this.requestStop(run);
            this.finishRun(
                slot,
                run,
                {
                    outcome: run.stopReason,
                    reason: `${stopReasonText(run.stopReason)}; stop not confirmed`,
                    exportErrors: 0,
                },
                null,
            );
            return;
        }
        if (this.now < run.nextPollAt) return;
        // The stop request is an effect a crash can lose after the state was saved. Repeat it with every poll
        // until the job confirms, so that freeing the target after stopGrace means the job ignored the stop, not
        // that it never heard it (else a hung job runs on beside the next run).
        this.requestStop(run);
        this.poll(slot, run);
    }

    /** Asks to read the job now and schedules the next reading. */
    private poll(slot: Slot, run: RunWithJob): void {
        this.setRun(slot, {
            ...run,
            lastPollAt: this.now,
            nextPollAt: this.now + this.pollDelayOf(slot, run, run.polls + 1),
        });
        this.effects.push({
            type: 'observeJob',
            targetId: this.state.targetId,
            seq: run.seq,
            attempt: run.attempt,
            jobName: run.jobName,
        });
    }

    /** Whether a reading of the job was asked for at or after `moment`. */
    private readSince(run: RunWithJob, moment: number): boolean {
        return run.lastPollAt !== null && run.lastPollAt >= moment;
    }

    private requestStop(run: RunWithJob): void {
        this.effects.push({
            type: 'stopJob',
            targetId: this.state.targetId,
            seq: run.seq,
            attempt: run.attempt,
            jobName: run.jobName,
        });
    }

    /**
     * An idle target: the window becomes the run once closed and spaced. A run in progress: the window becomes the
     * run queued behind it at once (when the target allows one), its cycle no earlier than `minSpacing` after the
     * run ahead was started; its runbook waits on the server for the running cycle to end.
     */
    private advanceWindow(): void {
        const window = this.state.window;
        if (window === null) return;
        if (this.state.run === null) {
            if (this.now < windowStartDueAt(window, this.state.lastRunStartedAt, this.timing)) return;
            this.closeWindow(window, false);
            this.state = {
                ...this.state,
                window: null,
                run: runForWindow(window, this.now, null),
                lastRunStartedAt: this.now,
            };
            this.advanceRun('run');
            return;
        }
        if (this.state.trail !== null || this.timing.maxWaitingJobs < 1) return;
        const spacedAt = (this.state.lastRunStartedAt ?? this.now) + this.timing.minSpacingMs;
        const notBefore = spacedAt > this.now ? spacedAt : null;
        this.closeWindow(window, true);
        this.state = {
            ...this.state,
            window: null,
            trail: runForWindow(window, this.now, notBefore),
            lastRunStartedAt: notBefore ?? this.now,
        };
        this.readAheadSooner();
        this.advanceRun('trail');
    }

    private closeWindow(window: OpenWindow, queued: boolean): void {
        this.emit({
            type: 'WindowClosed',
            targetId: this.state.targetId,
            correlationId: window.correlationId,
            seq: window.seq,
            policy: window.policy,
            changeCount: window.changeCount,
            urgentCount: window.urgentCount,
            requestCount: window.requestCount,
            openMs: this.now - window.firstChangeAt,
            queuedBehindRun: queued,
        });
    }

    private completeAttempt(slot: Slot, run: RunWithJob, report: CycleReport): void {
        if (isRetryableOutcome(report.outcome) && run.attempt < this.timing.maxRunAttempts) {
            const retryAt = Math.max(
                this.now + this.timing.pollIntervalMs,
                (this.state.lastRunStartedAt ?? this.now) + this.timing.minSpacingMs,
            );
            this.emit({
                type: 'RunRetried',
                targetId: this.state.targetId,
                correlationId: run.correlationId,
                seq: run.seq,
                attempt: run.attempt + 1,
                previousOutcome: report.outcome,
            });
            this.setRun(slot, nextAttempt(run, retryAt, report.reason ?? null, this.now));
            this.state = { ...this.state, lastRunStartedAt: retryAt };
            return;
        }
        this.finishRun(slot, run, report, run.jobStartedAt);
    }

    /**
     * Ends a run: its summary goes to the history, the run queued behind it (if this was the run ahead) moves up,
     * and changes that joined it too late for its cycle are carried to the next run.
     */
    private finishRun(slot: Slot, run: Run, report: CycleReport, jobStartedAt: number | null): void {
        const finished = summarizeRun(this.state.targetId, run, report, jobStartedAt, this.now);
        const late = carriedJoins(run, report);
        const summary =
            late === null
                ? finished
                : withoutCarried(finished, late, this.carry(late, run), uncoveredFrom(run, report));
        const history = [summary, ...this.state.history].slice(0, HISTORY_LIMIT);
        const trail = this.state.trail;
        this.state =
            slot === 'trail'
                ? { ...this.state, trail: null, history }
                : { ...this.state, run: trail === null ? null : promoted(trail, this.now), trail: null, history };
        this.effects.push({ type: 'recordRun', run: summary });
        const startedAt = jobStartedAt ?? summary.jobCreatedAt;
        this.emit({
            type: 'RunCompleted',
            targetId: this.state.targetId,
            correlationId: run.correlationId,
            run: summary,
            changeToCycleEndMs: this.now - run.firstChangeAt,
            urgentToCycleEndMs: run.firstUrgentAt === null ? null : this.now - run.firstUrgentAt,
            cycleDurationMs: startedAt === null ? null : this.now - startedAt,
        });
    }

    /** Carried changes go to the open window, or a new one due at once. Returns the seq they went to. */
    private carry(late: JoinedChanges, run: Run): number {
        const window = this.state.window;
        if (window !== null) {
            this.state = { ...this.state, window: carryIntoWindow(window, late, this.now) };
            return window.seq;
        }
        const seq = this.state.nextSeq;
        const carried = windowForCarried(late, seq, run.correlationId, this.now);
        this.state = { ...this.state, window: carried, nextSeq: seq + 1 };
        return seq;
    }

    /** When something next needs the engine's attention, or null when the target is idle. */
    private nextDueAt(): number | null {
        const { run, trail, window } = this.state;
        const due: number[] = [];
        if (run !== null) due.push(runDueAt(run, this.timing));
        if (trail !== null) due.push(trailDueAt(trail, this.timing));
        if (window !== null && run === null)
            due.push(windowStartDueAt(window, this.state.lastRunStartedAt, this.timing));
        return due.length === 0 ? null : Math.min(...due);
    }

    private somethingDue(): boolean {
        const due = this.nextDueAt();
        return due !== null && due <= this.now;
    }

    private ensureWake(): void {
        const due = this.nextDueAt();
        if (due === null) return;
        // An earlier pending wake will re-evaluate and reschedule; one per window, not one per change.
        // A pending wake long overdue was lost: replace it now rather than wait for the reconcile timer.
        if (!needsWake(this.state.wake, due, this.now)) return;
        const counter = this.state.wakeCounter + 1;
        const token = `${this.state.targetId}:${counter}`;
        const at = Math.max(due, this.now);
        this.state = { ...this.state, wake: { token, at }, wakeCounter: counter };
        this.effects.push({ type: 'scheduleWake', targetId: this.state.targetId, token, at });
    }

    /**
     * The back-off, drawn in to the cycle's expected end (learnt from the target's recent cycles) for the run ahead;
     * and while a run is queued behind it, the base interval: the queued run's changes wait for the moment its end
     * is seen (it moves up then, and later changes get a job of their own).
     */
    private pollDelayOf(slot: Slot, run: RunWithJob, polls: number): number {
        const backoff = pollDelay(polls, this.timing);
        if (slot === 'trail') return backoff;
        if (this.state.trail !== null) return Math.min(backoff, this.timing.pollIntervalMs);
        const cycleMs = expectedCycleMs(this.state.history, run.policy);
        return delayAroundExpectedEnd(run, backoff, cycleMs, this.now, this.timing);
    }

    /** A run just queued: the run ahead is read at the base interval from now on (see `pollDelayOf`). */
    private readAheadSooner(): void {
        const run = this.state.run;
        const soon = this.now + this.timing.pollIntervalMs;
        if (run !== null && run.phase !== 'starting' && run.nextPollAt > soon)
            this.setRun('run', { ...run, nextPollAt: soon });
    }

    private findRun(seq: number, attempt: number): { readonly slot: Slot; readonly run: Run } | null {
        for (const slot of ['run', 'trail'] as const) {
            const run = this.state[slot];
            if (run !== null && run.seq === seq && run.attempt === attempt) return { slot, run };
        }
        return null;
    }

    private setRun(slot: Slot, run: Run): void {
        this.state = slot === 'run' ? { ...this.state, run } : { ...this.state, trail: run };
    }

    private emit(event: EngineEvent): void {
        this.effects.push({ type: 'emit', event });
    }
}
