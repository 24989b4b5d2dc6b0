import { backoffDelay, jobCreateBackoff, jobPollBackoff } from './backoff';
import { canJoinRun, carriedJoins, carryIntoWindow, joinRun, windowForCarried, withoutCarried } from './coverage';
import { type CycleReport, isRetryableOutcome } from './cycleOutcome';
import type { ChangesAccepted } from './decision';
import type { JobObservation } from './jobObservation';
import { readJob } from './jobReading';
import {
    nextAttempt,
    runForWindow,
    runWithJob,
    stopDueSince,
    stoppingRun,
    stopReasonFor,
    stopReasonText,
} from './runLifecycle';
import type { Step } from './step';
import {
    HISTORY_LIMIT,
    type JobRun,
    type JoinedChanges,
    type OpenWindow,
    type Pipeline,
    type Run,
    type RunSummary,
    type RunWithJob,
    type StartingRun,
    type StoppingRun,
} from './targetState';
import type { TargetTiming } from './timing';
import { windowStartDueAt } from './window';

/*
 * The pipeline: the run ahead and the run queued behind it (TargetState.runs). Everything about the two positions
 * lives here: a window admitted into a position, joins into the queued run, the stop rule and poll cadence of each
 * position, finishing a run (carrying what it did not cover) and the queued run moving up.
 */

/** Where a run sits: ahead (its cycle runs or is about to) or queued behind the run ahead. */
type Position = 'ahead' | 'queued';

interface Placed {
    readonly position: Position;
    readonly run: Run;
}

/**
 * Joins a request's changes into the queued run when there is one it may join (its runbook is still waiting, so
 * its cycle may well read them: its end tells).
 * @returns the queued run's seq, or null when the changes need a window
 */
export function joinQueuedRun(step: Step, input: ChangesAccepted): number | null {
    const queued = step.state.runs?.queued ?? null;
    if (queued === null || !canJoinRun(queued, input.policy)) return null;
    place(step, 'queued', joinRun(queued, input, step.now));
    return queued.seq;
}

/** Performs what is due for both positions now: (re)creates, readings, stops, the stop grace. */
export function advancePipeline(step: Step): void {
    advanceRun(step, 'ahead');
    advanceRun(step, 'queued');
}

/**
 * Admits the open window into the pipeline. An idle target: the window becomes the run ahead once closed and
 * spaced. A run in progress: the window becomes the run queued behind it at once (when the target allows one), its
 * cycle no earlier than `minSpacing` after the run ahead may start; its runbook waits on the server for the running
 * cycle to end.
 */
export function admitWindow(step: Step): void {
    const { window, runs, spacingFrom } = step.state;
    const { now, timing } = step;
    if (window === null) return;
    if (runs === null) {
        if (now < windowStartDueAt(window, spacingFrom, timing)) return;
        closeWindow(step, window, false);
        step.update({ window: null, runs: { ahead: runForWindow(window, now, null), queued: null }, spacingFrom: now });
        advanceRun(step, 'ahead');
        return;
    }
    if (runs.queued !== null || timing.maxWaitingJobs < 1) return;
    const spacedAt = (spacingFrom ?? now) + timing.minSpacingMs;
    const notBefore = spacedAt > now ? spacedAt : null;
    closeWindow(step, window, true);
    const queued = runForWindow(window, now, notBefore);
    step.update({ window: null, runs: { ...runs, queued }, spacingFrom: notBefore ?? now });
    readAheadSooner(step);
    advanceRun(step, 'queued');
}

/**
 * When the pipeline next needs the engine: a (re)create, a reading, or the deadline of a phase (the run timeout
 * applies to the run ahead only), or null when it is empty.
 * @param runs - the pipeline
 * @param timing - the target's timing
 */
export function pipelineDueAt(runs: Pipeline | null, timing: TargetTiming): number | null {
    if (runs === null) return null;
    const ahead = runDueAt(runs.ahead, 'ahead', timing);
    return runs.queued === null ? ahead : Math.min(ahead, runDueAt(runs.queued, 'queued', timing));
}

function runDueAt(run: Run, position: Position, timing: TargetTiming): number {
    switch (run.phase) {
        case 'starting':
            return run.startDueAt;
        case 'active':
            return position === 'ahead'
                ? Math.min(run.nextPollAt, run.timeoutFrom + timing.runTimeoutMs)
                : run.nextPollAt;
        case 'stopping':
            return Math.min(run.nextPollAt, run.stopRequestedAt + timing.stopGraceMs);
    }
}

/** The job of a run was created. Returns false when no run of that seq and attempt is starting. */
export function jobCreated(step: Step, seq: number, attempt: number, jobName: string): boolean {
    const found = findRun(step, seq, attempt);
    if (found?.run.phase !== 'starting') return false;
    const run = found.run;
    place(step, found.position, runWithJob(run, jobName, step.now, step.timing));
    step.emit({
        type: 'JobStarted',
        targetId: step.state.targetId,
        correlationId: run.correlationId,
        seq,
        attempt,
        jobName,
        policy: run.tally.policy,
        changeToJobStartMs: step.now - run.firstChangeAt,
        urgentToJobStartMs: run.tally.firstUrgentAt === null ? null : step.now - run.tally.firstUrgentAt,
    });
    return true;
}

/** Creating the job failed: retried within the budget when transient, else the run fails. */
export function jobStartFailed(step: Step, seq: number, attempt: number, transient: boolean, reason: string): boolean {
    const found = findRun(step, seq, attempt);
    if (found?.run.phase !== 'starting') return false;
    const run = found.run;
    const failures = run.startFailures + 1;
    const willRetry = transient && failures <= step.timing.startRetryBudget;
    const { targetId } = step.state;
    step.emit({
        type: 'JobStartFailed',
        targetId,
        correlationId: run.correlationId,
        seq,
        attempt,
        transient,
        willRetry,
        reason,
    });
    if (!willRetry) {
        finishRun(step, found.position, run, { outcome: 'StartFailed', reason, exportErrors: 0 }, step.now);
        return true;
    }
    const startDueAt = step.now + backoffDelay(failures, jobCreateBackoff(step.timing));
    const retried: StartingRun = { ...run, startFailures: failures, startDueAt, lastError: reason };
    place(step, found.position, retried);
    return true;
}

/** A reading of a run's job came back. */
export function jobObserved(step: Step, seq: number, attempt: number, observation: JobObservation): boolean {
    const found = findWithJob(step, seq, attempt);
    if (found === null) return false;
    const { position, run } = found;
    const nextPollAt = step.now + pollDelayOf(step, position, run.polls + 1);
    const reading = readJob(step.state.targetId, run, observation, nextPollAt, step.now, step.timing);
    if (reading.kind === 'goesOn') {
        place(step, position, reading.run);
        if (reading.event !== null) step.emit(reading.event);
    } else if (reading.lost) {
        // Nothing more will be learnt about the job, so no retry either.
        finishRun(step, position, reading.run, reading.report, reading.endedAt);
    } else {
        completeAttempt(step, position, reading.run, reading.report, reading.endedAt);
    }
    return true;
}

/** Reading or stopping the job failed; the next poll tries again. */
export function jobReadFailed(step: Step, seq: number, attempt: number, reason: string): boolean {
    const found = findWithJob(step, seq, attempt);
    if (found === null) return false;
    const { position, run } = found;
    const nextPollAt = step.now + pollDelayOf(step, position, run.polls + 1);
    place(step, position, { ...run, lastError: reason, nextPollAt });
    return true;
}

function advanceRun(step: Step, position: Position): void {
    const run = runAt(step.state.runs, position);
    if (run === null) return;
    switch (run.phase) {
        case 'starting':
            advanceStarting(step, position, run);
            return;
        case 'active':
            advanceActive(step, position, run);
            return;
        case 'stopping':
            advanceStopping(step, position, run);
            return;
    }
}

function advanceStarting(step: Step, position: Position, run: StartingRun): void {
    if (step.now < run.startDueAt) return;
    // Also re-issued after a crash between saving and creating: the job name is deterministic.
    place(step, position, { ...run, startDueAt: step.now + step.timing.pollIntervalMs });
    const { targetId, epoch } = step.state;
    const { seq, attempt, correlationId, notBefore } = run;
    step.effects.push({
        type: 'startJob',
        targetId,
        epoch,
        seq,
        attempt,
        policy: run.tally.policy,
        correlationId,
        notBefore,
    });
}

function advanceActive(step: Step, position: Position, run: JobRun): void {
    const stopReason = stopReasonFor(run, position === 'queued', step.now, step.timing);
    if (stopReason !== null && !readSince(run, stopDueSince(run, step.timing))) {
        // Decide on evidence: after lost wakes the timeout can pass unseen, and the job may have finished (or be
        // gone) meanwhile. Read it first; the stop is decided when the reading comes back.
        poll(step, position, run);
        return;
    }
    if (stopReason !== null) {
        const stopping = stoppingRun(run, stopReason, step.now, step.timing);
        place(step, position, stopping);
        requestStop(step, stopping);
        const { targetId } = step.state;
        const { correlationId, seq, jobName } = run;
        step.emit({ type: 'JobStopRequested', targetId, correlationId, seq, jobName, reason: stopReason });
        return;
    }
    if (step.now >= run.nextPollAt) poll(step, position, run);
}

function advanceStopping(step: Step, position: Position, run: StoppingRun): void {
    if (step.now >= run.stopRequestedAt + step.timing.stopGraceMs) {
        // The job never confirmed the stop; free the target rather than block it forever. Ask once more as we let
        // go: when lost wakes kept the engine from polling during the grace, the stops repeated with each poll
        // (below) never went out, and the next run would start beside a job still running.
        requestStop(step, run);
        const reason = `${stopReasonText(run.stopReason)}; stop not confirmed`;
        const report: CycleReport = { outcome: run.stopReason, reason, exportErrors: 0, stop: 'unconfirmed' };
        finishRun(step, position, run, report, step.now);
        return;
    }
    if (step.now < run.nextPollAt) return;
    // The stop request is an effect a crash can lose after the state was saved. Repeat it with every poll until the
    // job confirms, so that freeing the target after stopGrace means the job ignored the stop, not that it never
    // heard it (else a hung job runs on beside the next run).
    requestStop(step, run);
    poll(step, position, run);
}

/** Asks to read the job now and schedules the next reading. */
function poll(step: Step, position: Position, run: RunWithJob): void {
    const nextPollAt = step.now + pollDelayOf(step, position, run.polls + 1);
    place(step, position, { ...run, lastPollAt: step.now, nextPollAt });
    const { seq, attempt, jobName } = run;
    step.effects.push({ type: 'observeJob', targetId: step.state.targetId, seq, attempt, jobName });
}

/** Whether a reading of the job was asked for at or after `moment`. */
function readSince(run: RunWithJob, moment: number): boolean {
    return run.lastPollAt !== null && run.lastPollAt >= moment;
}

function requestStop(step: Step, run: RunWithJob): void {
    const { seq, attempt, jobName } = run;
    step.effects.push({ type: 'stopJob', targetId: step.state.targetId, seq, attempt, jobName });
}

/**
 * The back-off for a reading; while a run is queued behind it, the run ahead is read at the base interval: the
 * queued run's changes wait for the moment its end is seen (it moves up then, and later changes get a job of their
 * own).
 */
function pollDelayOf(step: Step, position: Position, polls: number): number {
    const backoff = backoffDelay(polls, jobPollBackoff(step.timing));
    const queuedBehind = position === 'ahead' && (step.state.runs?.queued ?? null) !== null;
    return queuedBehind ? Math.min(backoff, step.timing.pollIntervalMs) : backoff;
}

/** A run just queued: the run ahead is read at the base interval from now on (see `pollDelayOf`). */
function readAheadSooner(step: Step): void {
    const ahead = step.state.runs?.ahead ?? null;
    const soon = step.now + step.timing.pollIntervalMs;
    if (ahead !== null && ahead.phase !== 'starting' && ahead.nextPollAt > soon) {
        place(step, 'ahead', { ...ahead, nextPollAt: soon });
    }
}

function closeWindow(step: Step, window: OpenWindow, queued: boolean): void {
    const { changeCount, urgentCount, requestCount, policy } = window.tally;
    step.emit({
        type: 'WindowClosed',
        targetId: step.state.targetId,
        correlationId: window.correlationId,
        seq: window.seq,
        policy,
        changeCount,
        urgentCount,
        requestCount,
        openMs: step.now - window.firstChangeAt,
        queuedBehindRun: queued,
    });
}

/** An attempt ended: a retryable outcome gets another attempt of the same run (within the budget), else it ends. */
function completeAttempt(step: Step, position: Position, run: RunWithJob, report: CycleReport, endedAt: number): void {
    const { now, timing } = step;
    if (!isRetryableOutcome(report.outcome) || run.attempt >= timing.maxRunAttempts) {
        finishRun(step, position, run, report, endedAt);
        return;
    }
    const retryAt = Math.max(now + timing.pollIntervalMs, (step.state.spacingFrom ?? now) + timing.minSpacingMs);
    const { targetId } = step.state;
    const { correlationId, seq, attempt } = run;
    step.emit({
        type: 'RunRetried',
        targetId,
        correlationId,
        seq,
        attempt: attempt + 1,
        previousOutcome: report.outcome,
    });
    place(step, position, nextAttempt(run, retryAt, report.reason ?? null, now));
    step.update({ spacingFrom: retryAt });
}

/**
 * Ends a run at `endedAt` (its job's own end; the engine sees it at `now`): its summary goes to the history, the run
 * queued behind it (if this was the run ahead) moves up, and changes that joined it too late for its cycle are
 * carried to the next run. Every figure of the run counts to its job's end, not to the reading that saw it.
 */
function finishRun(step: Step, position: Position, run: Run, report: CycleReport, endedAt: number): void {
    const { now } = step;
    const finished = summarize(step.state.targetId, run, report, endedAt);
    const late = carriedJoins(run, report);
    const summary = late === null ? finished : withoutCarried(finished, run, late, carry(step, late, run));
    const history = [summary, ...step.state.history].slice(0, HISTORY_LIMIT);
    step.update({ runs: withoutRun(step.state.runs, position, now), history });
    step.effects.push({ type: 'recordRun', run: summary });
    const startedAt = summary.job?.startedAt ?? summary.job?.createdAt ?? null;
    const firstUrgentAt = run.tally.firstUrgentAt;
    step.emit({
        type: 'RunCompleted',
        targetId: step.state.targetId,
        correlationId: run.correlationId,
        run: summary,
        changeToCycleEndMs: endedAt - run.firstChangeAt,
        urgentToCycleEndMs: firstUrgentAt === null ? null : endedAt - firstUrgentAt,
        cycleDurationMs: startedAt === null ? null : Math.max(0, endedAt - startedAt),
    });
}

/** The summary of a run that ends (or that the engine gave up on) with `report` at `endedAt`. */
export function summarize(targetId: string, run: Run, report: CycleReport, endedAt: number): RunSummary {
    const { seq, tally, correlationId, firstChangeAt, windowClosedAt } = run;
    const job =
        run.phase === 'starting'
            ? null
            : {
                  name: run.jobName,
                  createdAt: run.jobCreatedAt,
                  startedAt: run.jobStartedAt,
                  lastStatus: run.lastStatus,
              };
    return {
        ...{ seq, tally, correlationId, firstChangeAt, windowClosedAt },
        targetId,
        attempts: run.attempt,
        job,
        endedAt,
        report,
        carried: null,
    };
}

/**
 * The pipeline once the run at `position` has left it at `now`: the queued run moves up when the run ahead ends,
 * its timeout counting from then (until then its runbook was waiting for the server, not running late).
 */
function withoutRun(runs: Pipeline | null, position: Position, now: number): Pipeline | null {
    if (runs === null) return null;
    if (position === 'queued') return { ahead: runs.ahead, queued: null };
    const next = runs.queued;
    if (next === null) return null;
    return { ahead: next.phase === 'starting' ? next : { ...next, timeoutFrom: now }, queued: null };
}

/** Carried changes go to the open window, or a new one due at once. Returns the seq they went to. */
function carry(step: Step, late: JoinedChanges, run: Run): number {
    const { window, nextSeq } = step.state;
    if (window !== null) {
        step.update({ window: carryIntoWindow(window, late, step.now) });
        return window.seq;
    }
    step.update({ window: windowForCarried(late, nextSeq, run.correlationId, step.now), nextSeq: nextSeq + 1 });
    return nextSeq;
}

function runAt(runs: Pipeline | null, position: Position): Run | null {
    if (runs === null) return null;
    return position === 'ahead' ? runs.ahead : runs.queued;
}

function place(step: Step, position: Position, run: Run): void {
    const runs = step.state.runs;
    if (position === 'ahead') step.update({ runs: { ahead: run, queued: runs?.queued ?? null } });
    else if (runs !== null) step.update({ runs: { ...runs, queued: run } });
}

function findRun(step: Step, seq: number, attempt: number): Placed | null {
    for (const position of ['ahead', 'queued'] as const) {
        const run = runAt(step.state.runs, position);
        if (run !== null && run.seq === seq && run.attempt === attempt) return { position, run };
    }
    return null;
}

function findWithJob(step: Step, seq: number, attempt: number): { position: Position; run: RunWithJob } | null {
    const found = findRun(step, seq, attempt);
    return found === null || found.run.phase === 'starting' ? null : { position: found.position, run: found.run };
}
