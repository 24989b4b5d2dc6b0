import type { CycleOutcome } from './cycleOutcome';
import { closedWindowOf, type JobRun, type Run, type RunWithJob, type StartingRun } from './targetState';
import type { TargetTiming } from './timing';

/** Poll back-off: the base interval for the first polls, doubling up to the cap for long cycles. */
export function pollDelay(polls: number, timing: TargetTiming): number {
    const doublings = Math.max(0, polls - 3);
    return Math.min(timing.pollMaxIntervalMs, timing.pollIntervalMs * 2 ** Math.min(doublings, 10));
}

/** Back-off for retrying a failed job creation. */
export function startRetryDelay(failures: number, timing: TargetTiming): number {
    return Math.min(timing.pollMaxIntervalMs, timing.pollIntervalMs * 2 ** Math.max(0, failures - 1));
}

/**
 * When the run next needs the engine: its (re)create, its next reading, or the deadline of its phase.
 * @param run - the run
 * @param timing - the target's timing
 */
export function runDueAt(run: Run, timing: TargetTiming): number {
    switch (run.phase) {
        case 'starting':
            return run.startDueAt;
        case 'active':
            return Math.min(run.nextPollAt, run.timeoutFrom + timing.runTimeoutMs);
        case 'stopping':
            return Math.min(run.nextPollAt, run.stopRequestedAt + timing.stopGraceMs);
    }
}

/**
 * When a run queued behind another next needs the engine: its (re)create, its next reading, or, if its job is being
 * stopped, the stop grace. No run timeout applies while it waits (see {@link attentionStopFor}).
 * @param run - the queued run
 * @param timing - the target's timing
 */
export function trailDueAt(run: Run, timing: TargetTiming): number {
    switch (run.phase) {
        case 'starting':
            return run.startDueAt;
        case 'active':
            return run.nextPollAt;
        case 'stopping':
            return Math.min(run.nextPollAt, run.stopRequestedAt + timing.stopGraceMs);
    }
}

/**
 * The run once its job was created at `now`: first read after the base poll interval.
 * @param run - the starting run
 * @param jobName - the created job
 * @param now - when it was created
 * @param timing - the target's timing
 */
export function runWithJob(run: StartingRun, jobName: string, now: number, timing: TargetTiming): JobRun {
    const { startDueAt: _due, startFailures: _failures, notBefore: _notBefore, ...carried } = run;
    return {
        ...carried,
        phase: 'active',
        jobName,
        jobCreatedAt: now,
        timeoutFrom: now,
        jobStartedAt: null,
        lastStatus: null,
        nextPollAt: now + timing.pollIntervalMs,
        lastPollAt: null,
        polls: 0,
        workerOfflineReported: false,
        attentionSince: null,
        lastError: null,
    };
}

/**
 * The next attempt of a run whose attempt ended retryably (busy), its create due at `retryAt`. Every change the run
 * holds arrived before `now`, so the next job covers them all: the joined changes start afresh.
 * @param run - the run whose attempt ended
 * @param retryAt - when the next job may be created
 * @param lastError - why the attempt ended
 * @param now - when the attempt ended
 */
export function nextAttempt(run: RunWithJob, retryAt: number, lastError: string | null, now: number): StartingRun {
    return {
        ...closedWindowOf(run),
        attempt: run.attempt + 1,
        phase: 'starting',
        startDueAt: retryAt,
        startFailures: 0,
        lastError,
        joinedSince: now,
        joins: [],
        notBefore: null,
    };
}

/**
 * The run queued behind another once that one has ended at `now`: it is the run ahead from now on, and its timeout
 * counts from here (until now its runbook was waiting for the server, not running late).
 * @param trail - the run that was queued
 * @param now - when the run ahead ended
 */
export function promoted(trail: Run, now: number): Run {
    return trail.phase === 'starting' ? trail : { ...trail, timeoutFrom: now };
}

/**
 * Why the job should be stopped at `now`, or null: the run timeout, or attention (suspended, blocked,
 * disconnected) for twice the worker-offline time.
 * @param run - the run with its job
 * @param now - the time
 * @param timing - the target's timing
 */
export function stopReasonFor(run: JobRun, now: number, timing: TargetTiming): CycleOutcome | null {
    if (now < run.timeoutFrom + timing.runTimeoutMs) {
        if (run.attentionSince !== null && now >= run.attentionSince + timing.workerOfflineAfterMs * 2) {
            return 'NeedsAttention';
        }
        return null;
    }
    if (run.attentionSince !== null) return 'NeedsAttention';
    return run.jobStartedAt === null ? 'WorkerOffline' : 'TimedOut';
}

/**
 * Why a queued run's job should be stopped at `now`, or null: only attention (suspended, blocked, disconnected) for
 * twice the worker-offline time. Its runbook waits for the running cycle, which may take long (an Initial), so the
 * run timeout starts only when the run ahead has ended.
 * @param run - the queued run with its job
 * @param now - the time
 * @param timing - the target's timing
 */
export function attentionStopFor(run: JobRun, now: number, timing: TargetTiming): CycleOutcome | null {
    const reason = stopReasonFor(run, now, timing);
    return reason === 'NeedsAttention' && run.attentionSince !== null ? reason : null;
}

/**
 * The moment the stop {@link stopReasonFor} reports became due: the run timeout, or attention too long.
 * @param run - the run with its job
 * @param timing - the target's timing
 */
export function stopDueSince(run: JobRun, timing: TargetTiming): number {
    const timeoutAt = run.timeoutFrom + timing.runTimeoutMs;
    if (run.attentionSince === null) return timeoutAt;
    return Math.min(timeoutAt, run.attentionSince + timing.workerOfflineAfterMs * 2);
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
