import type { CycleOutcome } from './cycleOutcome';
import {
    closedWindowOf,
    type JobRun,
    type OpenWindow,
    type RunWithJob,
    type StartingRun,
    type StoppingRun,
} from './targetState';
import type { TargetTiming } from './timing';

/*
 * One run's phases, whatever its position: made from a window (starting), its job created (active), stopped by the
 * engine (stopping), and the next attempt of a retryable outcome. The positions are the pipeline's (pipeline.ts).
 */

/**
 * The run that covers a window closed at `now`, its job create due at once.
 * @param window - the window that closes
 * @param now - when it closes
 * @param notBefore - for a run queued behind another: its cycle's earliest start; null otherwise
 */
export function runForWindow(window: OpenWindow, now: number, notBefore: number | null): StartingRun {
    const { seq, tally, correlationId, firstChangeAt } = window;
    return {
        ...{ seq, tally, correlationId, firstChangeAt, windowClosedAt: now },
        attempt: 1,
        phase: 'starting',
        startDueAt: now,
        startFailures: 0,
        lastError: null,
        joinedSince: now,
        joins: [],
        notBefore,
    };
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
 * The run whose job the engine decided to stop at `now`.
 * @param run - the run with its job
 * @param reason - why
 * @param now - the time
 * @param timing - the target's timing
 */
export function stoppingRun(run: JobRun, reason: CycleOutcome, now: number, timing: TargetTiming): StoppingRun {
    return {
        ...run,
        phase: 'stopping',
        stopRequestedAt: now,
        stopReason: reason,
        nextPollAt: now + timing.pollIntervalMs,
    };
}

/**
 * Why the job should be stopped at `now`, or null: the run timeout, or attention (suspended, blocked,
 * disconnected) for twice the worker-offline time. A run queued behind another is stopped only for attention: its
 * runbook waits for the running cycle, which may take long (an Initial), so its timeout starts when it moves up.
 * @param run - the run with its job
 * @param queued - whether it waits behind the run ahead
 * @param now - the time
 * @param timing - the target's timing
 */
export function stopReasonFor(run: JobRun, queued: boolean, now: number, timing: TargetTiming): CycleOutcome | null {
    if (now < run.timeoutFrom + timing.runTimeoutMs) {
        const attentionTooLong =
            run.attentionSince !== null && now >= run.attentionSince + timing.workerOfflineAfterMs * 2;
        return attentionTooLong ? 'NeedsAttention' : null;
    }
    if (run.attentionSince !== null) return 'NeedsAttention';
    if (queued) return null;
    return run.jobStartedAt === null ? 'WorkerOffline' : 'TimedOut';
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
