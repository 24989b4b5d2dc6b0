import { addKindCounts, type KindCounts } from './change';
import { type CycleOutcome, type CycleReport, isRetryableOutcome } from './cycleOutcome';
import type { EngineEvent } from './engineEvent';
import type { JobObservation } from './jobObservation';
import { strongerPolicy, type SyncPolicy } from './policy';
import {
    HISTORY_LIMIT,
    type JobRun,
    MERGED_REQUEST_LIMIT,
    type OpenWindow,
    type Run,
    type RunSummary,
    type RunWithJob,
    type StartingRun,
    type StoppingRun,
    summarizeRun,
    type TargetState,
} from './targetState';
import type { TargetTiming } from './timing';

/** Something that happened to a target, fed to {@link decide}. */
export type EngineInput =
    | {
          readonly type: 'changesAccepted';
          readonly requestId: string;
          readonly correlationId: string;
          readonly changeCount: number;
          readonly urgentCount: number;
          readonly policy: SyncPolicy;
          readonly kinds: KindCounts;
          /**
           * At most one Initial merged per target in this period: an Initial within it is refused (the decision
           * carries the refusal and nothing changes). Absent: no limit (a stranded request merged by reconcile).
           */
          readonly initialMinIntervalMs?: number;
      }
    /** A wake-up message arrived. `token: null` is the reconcile timer, which may also repair a lost wake. */
    | { readonly type: 'wake'; readonly token: string | null }
    | { readonly type: 'jobCreated'; readonly seq: number; readonly attempt: number; readonly jobName: string }
    | {
          readonly type: 'jobStartFailed';
          readonly seq: number;
          readonly attempt: number;
          readonly transient: boolean;
          readonly reason: string;
      }
    | {
          readonly type: 'jobObserved';
          readonly seq: number;
          readonly attempt: number;
          readonly observation: JobObservation;
      }
    /** Reading or stopping the job failed; the next poll tries again. */
    | { readonly type: 'jobReadFailed'; readonly seq: number; readonly attempt: number; readonly reason: string };

/** Something the coordinator must do after the new state is saved. */
export type Effect =
    | { readonly type: 'scheduleWake'; readonly targetId: string; readonly token: string; readonly at: number }
    | {
          readonly type: 'startJob';
          readonly targetId: string;
          /** The state's epoch: with seq and attempt it names the job (unique per state lifetime). */
          readonly epoch: string;
          readonly seq: number;
          readonly attempt: number;
          readonly policy: SyncPolicy;
          readonly correlationId: string;
      }
    | {
          readonly type: 'observeJob';
          readonly targetId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly jobName: string;
      }
    | {
          readonly type: 'stopJob';
          readonly targetId: string;
          readonly seq: number;
          readonly attempt: number;
          readonly jobName: string;
      }
    | { readonly type: 'recordRun'; readonly run: RunSummary }
    | { readonly type: 'emit'; readonly event: EngineEvent };

/** The result of {@link decide}. `changed: false` means nothing needs saving and there are no effects. */
export interface Decision {
    readonly state: TargetState;
    readonly effects: readonly Effect[];
    readonly changed: boolean;
    /** For `changesAccepted`: the window (and so the run) that will cover the request. */
    readonly assignedSeq?: number;
    /** For `changesAccepted`: why the changes were not merged (then nothing changed). */
    readonly refusal?: MergeRefusal;
}

/**
 * Why the engine refused to merge a request's changes. Decided under the target state's ETag, so it holds on any
 * number of instances.
 */
export interface MergeRefusal {
    readonly reason: 'initialRateLimited';
    /** The earliest moment an Initial can be merged again. */
    readonly retryAt: number;
}

/** How late a pending wake may be before the reconcile timer assumes it was lost and schedules another. */
export const LOST_WAKE_GRACE_MS = 60_000;

/**
 * The engine: pure, deterministic, no I/O. Given a target's state, something that happened and the time,
 * returns the next state and the effects to perform once that state is saved.
 *
 * Guarantees kept here (proved by the property tests): at most one run per target; every accepted change is
 * covered by a run created after it was accepted, or reported failed; windows close by `maxWait`
 * (`urgentMaxWait`) plus `minSpacing` or a run in progress; wake-ups and Automation calls are per window.
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

/** An Initial within the target's Initial interval, unless it is a retry of a request already merged. */
function initialRefusal(
    state: TargetState,
    input: Extract<EngineInput, { type: 'changesAccepted' }>,
    now: number,
): MergeRefusal | null {
    const interval = input.initialMinIntervalMs;
    const last = state.lastInitialAcceptedAt;
    if (input.policy !== 'Initial' || interval === undefined || last === null || now - last >= interval) return null;
    if (state.recentRequests.some((r) => r.requestId === input.requestId)) return null;
    return { reason: 'initialRateLimited', retryAt: last + interval };
}

function unchanged(state: TargetState): Decision {
    return { state, effects: [], changed: false };
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

/** Poll back-off: the base interval for the first polls, doubling up to the cap for long cycles. */
function pollDelay(polls: number, timing: TargetTiming): number {
    const doublings = Math.max(0, polls - 3);
    return Math.min(timing.pollMaxIntervalMs, timing.pollIntervalMs * 2 ** Math.min(doublings, 10));
}

/** Back-off for retrying a failed job creation. */
export function startRetryDelay(failures: number, timing: TargetTiming): number {
    return Math.min(timing.pollMaxIntervalMs, timing.pollIntervalMs * 2 ** Math.max(0, failures - 1));
}

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
        const urgent = input.urgentCount > 0;
        const window = this.state.window;
        let next: OpenWindow;
        if (window === null) {
            next = {
                seq: this.state.nextSeq,
                policy: input.policy,
                firstChangeAt: this.now,
                lastChangeAt: this.now,
                firstUrgentAt: urgent ? this.now : null,
                // Idle: no window (this change opens it) and no run in progress, a retry's included.
                lead: urgent && this.state.run === null,
                changeCount: input.changeCount,
                urgentCount: input.urgentCount,
                requestCount: 1,
                kinds: input.kinds,
                correlationId: input.correlationId,
            };
            this.state = { ...this.state, nextSeq: this.state.nextSeq + 1 };
            this.emit({
                type: 'WindowOpened',
                targetId: this.state.targetId,
                correlationId: next.correlationId,
                seq: next.seq,
                policy: next.policy,
                urgent,
            });
        } else {
            next = {
                ...window,
                policy: strongerPolicy(window.policy, input.policy),
                lastChangeAt: Math.max(window.lastChangeAt, this.now),
                firstUrgentAt: window.firstUrgentAt ?? (urgent ? this.now : null),
                changeCount: window.changeCount + input.changeCount,
                urgentCount: window.urgentCount + input.urgentCount,
                requestCount: window.requestCount + 1,
                kinds: addKindCounts(window.kinds, input.kinds),
            };
        }
        const recent = [...this.state.recentRequests, { requestId: input.requestId, seq: next.seq }];
        this.state = {
            ...this.state,
            window: next,
            recentRequests: recent.length > MERGED_REQUEST_LIMIT ? recent.slice(-MERGED_REQUEST_LIMIT) : recent,
            lastInitialAcceptedAt: input.policy === 'Initial' ? this.now : this.state.lastInitialAcceptedAt,
        };
        this.assignedSeq = next.seq;
    }

    /** Returns false for a stale wake that finds nothing to do, so nothing is saved. */
    wake(token: string | null): boolean {
        const pending = this.state.wake;
        if (token !== null && pending?.token === token) {
            this.state = { ...this.state, wake: null };
            return true;
        }
        if (token === null && pending !== null && pending.at + LOST_WAKE_GRACE_MS < this.now) {
            // The reconcile timer found a wake that should have fired long ago: assume it was lost.
            this.state = { ...this.state, wake: null };
            return true;
        }
        // A stale or early wake still acts if something is overdue (e.g. its replacement was lost).
        return this.somethingDue() || (pending === null && this.nextDueAt() !== null);
    }

    jobCreated(seq: number, attempt: number, jobName: string): boolean {
        const run = this.currentRun(seq, attempt);
        if (run === null || run.phase !== 'starting') return false;
        const { startDueAt: _due, startFailures: _failures, ...carried } = run;
        const next: JobRun = {
            ...carried,
            phase: 'active',
            jobName,
            jobCreatedAt: this.now,
            jobStartedAt: null,
            lastStatus: null,
            nextPollAt: this.now + this.timing.pollIntervalMs,
            lastPollAt: null,
            polls: 0,
            workerOfflineReported: false,
            attentionSince: null,
            lastError: null,
        };
        this.state = { ...this.state, run: next };
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
        const run = this.currentRun(seq, attempt);
        if (run === null || run.phase !== 'starting') return false;
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
            this.state = {
                ...this.state,
                run: {
                    ...run,
                    startFailures: failures,
                    startDueAt: this.now + startRetryDelay(failures, this.timing),
                    lastError: reason,
                },
            };
        } else {
            this.finishRun(run, { outcome: 'StartFailed', reason, exportErrors: 0 }, null);
        }
        return true;
    }

    jobObserved(seq: number, attempt: number, observation: JobObservation): boolean {
        const run = this.currentRun(seq, attempt);
        if (run === null || run.phase === 'starting') return false;
        if (observation.kind === 'notFound') {
            this.jobNotFound(run);
            return true;
        }
        const base: RunWithJob = {
            ...run,
            lastStatus: observation.status,
            polls: run.polls + 1,
            nextPollAt: this.now + pollDelay(run.polls + 1, this.timing),
            lastError: null,
        };
        switch (observation.kind) {
            case 'finished': {
                const report: CycleReport =
                    run.phase === 'stopping' && observation.status === 'Stopped'
                        ? { ...observation.report, outcome: run.stopReason, reason: stopReasonText(run.stopReason) }
                        : observation.report;
                this.completeAttempt({ ...base, jobStartedAt: observation.startedAt ?? run.jobStartedAt }, report);
                return true;
            }
            case 'queued': {
                const queuedMs = this.now - run.jobCreatedAt;
                let next: RunWithJob = { ...base, attentionSince: null };
                if (!run.workerOfflineReported && queuedMs >= this.timing.workerOfflineAfterMs) {
                    next = { ...next, workerOfflineReported: true };
                    this.emit({
                        type: 'WorkerOffline',
                        targetId: this.state.targetId,
                        correlationId: run.correlationId,
                        seq,
                        jobName: run.jobName,
                        queuedMs,
                        status: observation.status,
                    });
                }
                this.state = { ...this.state, run: next };
                return true;
            }
            case 'running':
                this.state = {
                    ...this.state,
                    run: {
                        ...base,
                        attentionSince: null,
                        jobStartedAt: run.jobStartedAt ?? observation.startedAt ?? this.now,
                    },
                };
                return true;
            case 'attention':
                if (run.attentionSince === null) {
                    this.emit({
                        type: 'JobNeedsAttention',
                        targetId: this.state.targetId,
                        correlationId: run.correlationId,
                        seq,
                        jobName: run.jobName,
                        status: observation.status,
                    });
                }
                this.state = { ...this.state, run: { ...base, attentionSince: run.attentionSince ?? this.now } };
                return true;
        }
    }

    /**
     * Automation has no such job: nothing more will be learnt about it, so the run ends now and the next one may
     * start, instead of waiting for the run timeout and stop grace and calling it WorkerOffline.
     */
    private jobNotFound(run: RunWithJob): void {
        const lost = `Automation has no job ${run.jobName} any more (deleted, or its account was restored or recreated)`;
        const report: CycleReport =
            run.phase === 'stopping'
                ? { outcome: run.stopReason, reason: `${stopReasonText(run.stopReason)}; ${lost}`, exportErrors: 0 }
                : { outcome: 'JobLost', reason: `${lost}; whether its cycle ran is unknown`, exportErrors: 0 };
        this.finishRun({ ...run, polls: run.polls + 1, lastError: null }, report, run.jobStartedAt);
    }

    jobReadFailed(seq: number, attempt: number, reason: string): boolean {
        const run = this.currentRun(seq, attempt);
        if (run === null || run.phase === 'starting') return false;
        this.state = {
            ...this.state,
            run: { ...run, lastError: reason, nextPollAt: this.now + pollDelay(run.polls + 1, this.timing) },
        };
        return true;
    }

    /** Performs whatever is due now, then makes sure a wake is pending for the next due moment. */
    advance(): void {
        this.advanceRun();
        this.advanceWindow();
        this.ensureWake();
    }

    private advanceRun(): void {
        const run = this.state.run;
        if (run === null) return;
        switch (run.phase) {
            case 'starting':
                this.advanceStarting(run);
                return;
            case 'active':
                this.advanceActive(run);
                return;
            case 'stopping':
                this.advanceStopping(run);
                return;
        }
    }

    private advanceStarting(run: StartingRun): void {
        if (this.now < run.startDueAt) return;
        // Also re-issued after a crash between saving and creating: the job name is deterministic.
        this.state = { ...this.state, run: { ...run, startDueAt: this.now + this.timing.pollIntervalMs } };
        this.effects.push({
            type: 'startJob',
            targetId: this.state.targetId,
            epoch: this.state.epoch,
            seq: run.seq,
            attempt: run.attempt,
            policy: run.policy,
            correlationId: run.correlationId,
        });
    }

    private advanceActive(run: JobRun): void {
        const stopReason = this.stopReasonFor(run);
        if (stopReason !== null && !this.readSince(run, this.stopDueSince(run))) {
            // Decide on evidence: after lost wakes the timeout can pass unseen, and the job may have finished
            // (or be gone) meanwhile. Read it first; the stop is decided when the reading comes back.
            this.poll(run);
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
            this.state = { ...this.state, run: stopping };
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
        if (this.now >= run.nextPollAt) this.poll(run);
    }

    private advanceStopping(run: StoppingRun): void {
        if (this.now >= run.stopRequestedAt + this.timing.stopGraceMs) {
            // The job never confirmed the stop; free the target rather than block it forever. Ask once more as we
            // let go: when lost wakes kept the engine from polling during the grace, the stops repeated with each
            // poll (below) never went out, and the next run would start beside a job still running.
            this.requestStop(run);
            this.finishRun(
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
        this.poll(run);
    }

    /** Asks to read the job now and schedules the next reading. */
    private poll(run: RunWithJob): void {
        this.state = {
            ...this.state,
            run: { ...run, lastPollAt: this.now, nextPollAt: this.now + pollDelay(run.polls + 1, this.timing) },
        };
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

    /** The moment the stop {@link stopReasonFor} reports became due: the run timeout, or attention too long. */
    private stopDueSince(run: JobRun): number {
        const timeoutAt = run.jobCreatedAt + this.timing.runTimeoutMs;
        if (run.attentionSince === null) return timeoutAt;
        return Math.min(timeoutAt, run.attentionSince + this.timing.workerOfflineAfterMs * 2);
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

    private stopReasonFor(run: JobRun): CycleOutcome | null {
        const t = this.timing;
        if (this.now < run.jobCreatedAt + t.runTimeoutMs) {
            if (run.attentionSince !== null && this.now >= run.attentionSince + t.workerOfflineAfterMs * 2) {
                return 'NeedsAttention';
            }
            return null;
        }
        if (run.attentionSince !== null) return 'NeedsAttention';
        return run.jobStartedAt === null ? 'WorkerOffline' : 'TimedOut';
    }

    private advanceWindow(): void {
        const window = this.state.window;
        if (window === null || this.state.run !== null) return;
        if (this.now < windowStartDueAt(window, this.state.lastRunStartedAt, this.timing)) return;
        const run: StartingRun = {
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
            windowClosedAt: this.now,
            startDueAt: this.now,
            startFailures: 0,
            lastError: null,
        };
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
        });
        this.state = { ...this.state, window: null, run, lastRunStartedAt: this.now };
        this.advanceRun();
    }

    private completeAttempt(run: RunWithJob, report: CycleReport): void {
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
            const retry: StartingRun = {
                seq: run.seq,
                attempt: run.attempt + 1,
                phase: 'starting',
                policy: run.policy,
                changeCount: run.changeCount,
                urgentCount: run.urgentCount,
                requestCount: run.requestCount,
                kinds: run.kinds,
                correlationId: run.correlationId,
                firstChangeAt: run.firstChangeAt,
                firstUrgentAt: run.firstUrgentAt,
                windowClosedAt: run.windowClosedAt,
                startDueAt: retryAt,
                startFailures: 0,
                lastError: report.reason ?? null,
            };
            this.state = { ...this.state, run: retry, lastRunStartedAt: retryAt };
            return;
        }
        this.finishRun(run, report, run.jobStartedAt);
    }

    private finishRun(run: Run, report: CycleReport, jobStartedAt: number | null): void {
        const summary = summarizeRun(this.state.targetId, run, report, jobStartedAt, this.now);
        const history = [summary, ...this.state.history].slice(0, HISTORY_LIMIT);
        this.state = { ...this.state, run: null, history };
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

    /** When something next needs the engine's attention, or null when the target is idle. */
    private nextDueAt(): number | null {
        const run = this.state.run;
        if (run !== null) {
            switch (run.phase) {
                case 'starting':
                    return run.startDueAt;
                case 'active':
                    return Math.min(run.nextPollAt, run.jobCreatedAt + this.timing.runTimeoutMs);
                case 'stopping':
                    return Math.min(run.nextPollAt, run.stopRequestedAt + this.timing.stopGraceMs);
            }
        }
        const window = this.state.window;
        if (window !== null) return windowStartDueAt(window, this.state.lastRunStartedAt, this.timing);
        return null;
    }

    private somethingDue(): boolean {
        const due = this.nextDueAt();
        return due !== null && due <= this.now;
    }

    private ensureWake(): void {
        const due = this.nextDueAt();
        if (due === null) return;
        const pending = this.state.wake;
        // An earlier pending wake will re-evaluate and reschedule; one per window, not one per change.
        // A pending wake long overdue was lost: replace it now rather than wait for the reconcile timer.
        const pendingLost = pending !== null && pending.at + LOST_WAKE_GRACE_MS < this.now;
        if (pending !== null && pending.at <= due && !pendingLost) return;
        const counter = this.state.wakeCounter + 1;
        const token = `${this.state.targetId}:${counter}`;
        const at = Math.max(due, this.now);
        this.state = { ...this.state, wake: { token, at }, wakeCounter: counter };
        this.effects.push({ type: 'scheduleWake', targetId: this.state.targetId, token, at });
    }

    private currentRun(seq: number, attempt: number): Run | null {
        const run = this.state.run;
        return run !== null && run.seq === seq && run.attempt === attempt ? run : null;
    }

    private emit(event: EngineEvent): void {
        this.effects.push({ type: 'emit', event });
    }
}

/**
 * Why the engine stopped a job, in words.
 * @param outcome - the stop's reason
 */
export function stopReasonText(outcome: CycleOutcome): string {
    switch (outcome) {
        case 'WorkerOffline':
            return 'The job was never picked up by a Hybrid Worker before the run timeout; it was stopped';
        case 'NeedsAttention':
            return 'The job stayed suspended, blocked or disconnected; it was stopped';
        case 'TimedOut':
            return 'The cycle did not finish before the run timeout; the job was stopped';
        default:
            return `The job was stopped (${outcome})`;
    }
}
