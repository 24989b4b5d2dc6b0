import type { SyncPolicy } from '../../domain/policy';
import type { SyncJobParameters } from '../../ports/automationJobs';
import {
    type CycleHistory,
    isoInstant,
    type ResultBase,
    type RunbookResult,
    timedOutResult,
    withRunResults,
} from './runbookResult';

/*
 * This project's runbook (infra/runbooks/Start-EntraSyncCycle.ps1) as it is seen from outside: when it starts its
 * cycle, what it waits for, when it ends and what result line it writes. One model, pure and clock-driven: each
 * transition takes the runbook's state, the time and what the runbook read from the server, and returns the next
 * state and the one thing the runbook does next. Its drivers (projectRunbook.ts) run it on the simulated Connect
 * server, in the memory jobs and in the loopback Automation fake of the tests.
 *
 * The steps, as in the script: the guards (staging mode, scheduler suspended); Wait-ForeignCycle (one reading;
 * when busy, idle on two readings `PollSeconds` apart, up to BusyWaitSeconds from pickup: BusyTimeout); NotBefore
 * (a sleep of whole seconds, then Wait-ForeignCycle again; beyond the busy budget: BusyTimeout at once);
 * Start-ADSyncSyncCycle (refused "busy": wait for idle, sleep BusyRetrySeconds, retry, up to BusyRetryCount
 * attempts); one poll of sleep, then Wait-OwnCycleEnd up to TimeoutSeconds (TimedOut); the run-profile results of
 * its own cycle; one line.
 */

/** The job's parameters as the runbook binds them. */
export interface RunbookParameters {
    readonly policy: SyncPolicy;
    /** TimeoutSeconds: how long it waits for its own cycle to end, from that cycle's start. */
    readonly timeoutMs: number;
    readonly correlationId: string;
    /** NotBefore (epoch ms); null without one. */
    readonly notBefore: number | null;
}

/**
 * The runbook's parameters the service does not pass (their defaults in the script), and what collecting the
 * results takes. A driver may choose the ideal limits: `pollMs` 0 reads the server continuously (an end is seen
 * the instant it happens), an infinite `busyWaitMs` waits as long as it takes.
 */
export interface RunbookSettings {
    /** PollSeconds. */
    readonly pollMs: number;
    /** BusyWaitSeconds, counted from pickup (the sleep until NotBefore included). */
    readonly busyWaitMs: number;
    /** BusyRetryCount: start attempts refused as busy before BusyTimeout. */
    readonly busyRetryCount: number;
    /** BusyRetrySeconds: the pause between two refused start attempts. */
    readonly busyRetryMs: number;
    /** Reading the run-profile results and writing the line, once the cycle ended or the wait for it timed out. */
    readonly resultCollectionMs: number;
}

/** The cycle in progress, as the runbook reads it (Test-SyncCycleRunning, and the run history for whose it is). */
interface RunningCycle {
    readonly id: number;
    readonly startedAt: number;
    /**
     * When it will end. Only a simulation knows: the runbook's readings until then all say busy, so a driver skips
     * them (the next reading is the first poll at or after this end, or the deadline).
     */
    readonly endsAt: number;
}

/** What the runbook reads when it looks at the server. */
export interface ServerReading {
    readonly stagingMode: boolean;
    /** Get-ADSyncScheduler: SyncCycleEnabled false or SchedulerSuspended (an upgrade, the wizard open). */
    readonly schedulerSuspended: boolean;
    /** The cycle in progress, or null when the server is idle. */
    readonly running: RunningCycle | null;
    /** The run history of one cycle, as far as it has run. */
    history(cycleId: number): CycleHistory;
}

/** What the runbook does next. */
type RunbookAction =
    /** Reads the server at `at` (its next poll, or when a sleep ends): call {@link continueRunbook} then. */
    | { readonly kind: 'readAt'; readonly at: number }
    /** Calls Start-ADSyncSyncCycle -PolicyType now: answer at once with {@link answerStart}. */
    | { readonly kind: 'startCycle'; readonly policy: SyncPolicy }
    /** Writes its one line at `at`; the job ends then. */
    | { readonly kind: 'finish'; readonly at: number; readonly result: RunbookResult };

export interface RunbookStep {
    readonly state: RunbookState;
    readonly action: RunbookAction;
    /** This step found someone else's cycle running and began to wait for it (the server counts such waits). */
    readonly beganWaiting: boolean;
}

/** What Start-ADSyncSyncCycle answered. */
export type StartAnswer =
    { readonly kind: 'started'; readonly cycleId: number } | { readonly kind: 'busy'; readonly message: string };

/** Where the runbook is between pickup and its line. */
export type RunbookState =
    | { readonly phase: 'waitingForIdle'; readonly run: RunContext; readonly wait: IdleWait }
    | { readonly phase: 'sleeping'; readonly run: RunContext; readonly then: 'waitThenStart' | 'start' }
    | { readonly phase: 'starting'; readonly run: RunContext }
    | { readonly phase: 'watchingOwnCycle'; readonly run: RunContext; readonly watch: OwnCycleWatch }
    | { readonly phase: 'finished'; readonly run: RunContext };

/** What the runbook carries through its steps, and what its line reports of the wait. */
interface RunContext {
    readonly parameters: RunbookParameters;
    readonly settings: RunbookSettings;
    /** Pickup plus BusyWaitSeconds: the budget of every wait before its own cycle starts. */
    readonly busyDeadline: number;
    /** Start attempts refused as busy so far. */
    readonly busyRetries: number;
    readonly waitedForRunningCycleSeconds: number;
}

/**
 * Wait-SyncCycleIdle: idle on two readings in a row, up to `deadline`. `then` is what follows: the NotBefore check
 * (the first Wait-ForeignCycle), the start (the one after NotBefore), or the pause before a refused start is retried.
 */
interface IdleWait {
    readonly origin: number;
    readonly idleReadings: number;
    readonly then: 'notBefore' | 'start' | 'retryStart';
    /** When a Wait-ForeignCycle began (its time is reported); null for the wait before a retry, which is not. */
    readonly foreignSince: number | null;
}

/** Wait-OwnCycleEnd. */
interface OwnCycleWatch {
    readonly cycleId: number;
    readonly cycleStartedAt: number;
    /** Its polls fall at `origin + k * pollMs`. */
    readonly origin: number;
    /** The cycle's start plus TimeoutSeconds. */
    readonly deadline: number;
    /** The first idle reading of the current run of idle readings. */
    readonly idleSince: number | null;
}

/** The reason a job fails at binding, before the script runs (it then writes no line). */
export interface BindingRefusal {
    readonly refused: string;
}

/**
 * Binds the job's parameters as the script's `param()` block does. Only `NotBefore` varies with the engine's
 * decisions; the others are typed by the port, and their validation is the Pester suite's.
 * @param parameters - the job's parameters
 */
export function bindRunbookParameters(parameters: SyncJobParameters): RunbookParameters | BindingRefusal {
    const notBefore = parameters.NotBefore === undefined ? null : notBeforeMs(parameters.NotBefore);
    if (notBefore === undefined) {
        return { refused: "Cannot validate argument on parameter 'NotBefore': not an ISO 8601 UTC instant" };
    }
    return {
        policy: parameters.PolicyType,
        timeoutMs: parameters.TimeoutSeconds * 1000,
        correlationId: parameters.CorrelationId,
        notBefore,
    };
}

/**
 * The runbook at pickup: the guards, then the wait for a running cycle (Wait-ForeignCycle).
 * @param parameters - the bound parameters
 * @param settings - PollSeconds, BusyWaitSeconds and the rest
 * @param at - when the worker picked the job up
 * @param reading - the server now
 */
export function beginRunbook(
    parameters: RunbookParameters,
    settings: RunbookSettings,
    at: number,
    reading: ServerReading,
): RunbookStep {
    const run: RunContext = {
        parameters,
        settings,
        busyDeadline: at + settings.busyWaitMs,
        busyRetries: 0,
        waitedForRunningCycleSeconds: 0,
    };
    if (reading.stagingMode) {
        return finish(
            run,
            at,
            'SkippedStagingMode',
            'This Entra Connect server is in staging mode; no cycle was started',
        );
    }
    if (reading.schedulerSuspended) {
        const reason = 'The sync scheduler is suspended (upgrade or configuration wizard open); no cycle was started';
        return finish(run, at, 'SkippedSchedulerSuspended', reason);
    }
    return waitForForeignCycle(run, at, reading, 'notBefore');
}

/**
 * The runbook at the time its last action asked for (`readAt`): it reads the server and goes on.
 * @param state - its state
 * @param at - the time of the reading
 * @param reading - the server now
 */
export function continueRunbook(state: RunbookState, at: number, reading: ServerReading): RunbookStep {
    switch (state.phase) {
        case 'waitingForIdle':
            return readWhileWaiting(state.run, state.wait, at, reading);
        case 'sleeping':
            return state.then === 'start'
                ? startAttempt(state.run)
                : waitForForeignCycle(state.run, at, reading, 'start');
        case 'watchingOwnCycle':
            return readOwnCycle(state.run, state.watch, at, reading);
        case 'starting':
        case 'finished':
            throw new Error(`The runbook reads nothing while ${state.phase}`);
    }
}

/**
 * What Start-ADSyncSyncCycle answered: the cycle started (one poll of sleep, then the wait for its end), or it was
 * refused as busy (wait for idle, pause, retry; BusyTimeout after BusyRetryCount attempts).
 * @param state - the state that asked for the start
 * @param at - now
 * @param answer - started, with the cycle's id, or busy
 * @param reading - the server now (the wait before a retry begins with a reading)
 */
export function answerStart(state: RunbookState, at: number, answer: StartAnswer, reading: ServerReading): RunbookStep {
    if (state.phase !== 'starting') throw new Error(`The runbook started nothing while ${state.phase}`);
    if (answer.kind === 'started') {
        const run = state.run;
        const watch: OwnCycleWatch = {
            cycleId: answer.cycleId,
            cycleStartedAt: at,
            origin: at,
            deadline: at + run.parameters.timeoutMs,
            idleSince: null,
        };
        // The scheduler may not show the cycle as in progress at once: the runbook sleeps one poll before looking.
        return next({ phase: 'watchingOwnCycle', run, watch }, { kind: 'readAt', at: at + run.settings.pollMs });
    }
    const run = { ...state.run, busyRetries: state.run.busyRetries + 1 };
    if (run.busyRetries >= run.settings.busyRetryCount) {
        const reason = `Connect stayed busy after ${run.busyRetries} start attempts: ${answer.message}`;
        return finish(run, at, 'BusyTimeout', reason);
    }
    // Someone else's cycle won the race: let it finish (within the busy budget), pause, retry.
    return readWhileWaiting(run, { origin: at, idleReadings: 0, then: 'retryStart', foreignSince: null }, at, reading);
}

/** Wait-ForeignCycle: idle at the first reading goes on at once; a running cycle is waited for. */
function waitForForeignCycle(
    run: RunContext,
    at: number,
    reading: ServerReading,
    then: 'notBefore' | 'start',
): RunbookStep {
    if (reading.running === null) return afterForeignCycle(run, at, then);
    // Wait-SyncCycleIdle begins with a reading of its own, at the same instant.
    const step = readWhileWaiting(run, { origin: at, idleReadings: 0, then, foreignSince: at }, at, reading);
    return { ...step, beganWaiting: true };
}

/** One reading of Wait-SyncCycleIdle. */
function readWhileWaiting(run: RunContext, wait: IdleWait, at: number, reading: ServerReading): RunbookStep {
    const idleReadings = reading.running === null ? wait.idleReadings + 1 : 0;
    const deadline = run.busyDeadline;
    if (idleReadings < 2 && at < deadline) {
        const waiting = { ...wait, idleReadings };
        return next(
            { phase: 'waitingForIdle', run, wait: waiting },
            readAgain(run, wait.origin, deadline, at, reading),
        );
    }
    const idle = idleReadings >= 2;
    const waited = wait.foreignSince === null ? run : countWait(run, at - wait.foreignSince);
    if (wait.then === 'retryStart') {
        // Whether it saw idle or not, the script pauses and tries again.
        return next(
            { phase: 'sleeping', run: waited, then: 'start' },
            { kind: 'readAt', at: at + run.settings.busyRetryMs },
        );
    }
    if (!idle) {
        const seconds = run.settings.busyWaitMs / 1000;
        const reason = `A sync cycle started by someone else was still running after ${seconds} seconds`;
        return finish(waited, at, 'BusyTimeout', reason);
    }
    return afterForeignCycle(waited, at, wait.then);
}

/** The server is free: sleep until NotBefore when it is ahead (the first time), else start. */
function afterForeignCycle(run: RunContext, at: number, then: 'notBefore' | 'start'): RunbookStep {
    const notBefore = run.parameters.notBefore;
    if (then === 'start' || notBefore === null || at >= notBefore) return readyToStart(run);
    if (notBefore > run.busyDeadline) {
        // Sleeping until then would spend the whole budget and still not start: say so now.
        const reason = `NotBefore ${isoInstant(notBefore)} is later than the busy budget of ${run.settings.busyWaitMs / 1000} seconds allows`;
        return finish(run, at, 'BusyTimeout', reason);
    }
    // Start-Sleep -Seconds takes whole seconds, rounded up; then Wait-ForeignCycle again.
    const wakeAt = at + Math.ceil((notBefore - at) / 1000) * 1000;
    return next({ phase: 'sleeping', run, then: 'waitThenStart' }, { kind: 'readAt', at: wakeAt });
}

/**
 * The server is free and NotBefore has passed: the steps before Start-ADSyncSyncCycle begin here (a step added
 * to the script before the start, such as a check that the window's objects reached the domain controller the
 * connector reads, becomes a phase of its own that reads what it needs and then calls {@link startAttempt}).
 * A retried start after a refusal does not come back here.
 */
function readyToStart(run: RunContext): RunbookStep {
    return startAttempt(run);
}

function startAttempt(run: RunContext): RunbookStep {
    return next({ phase: 'starting', run }, { kind: 'startCycle', policy: run.parameters.policy });
}

/**
 * One reading of Wait-OwnCycleEnd. Idle on two readings in a row is the end, seen at the second. A cycle running
 * after that is, by the run history, either its own next step (the wait goes on) or the next cycle (a job queued
 * behind, the scheduler): then its own has ended, and only its own runs are reported.
 */
function readOwnCycle(run: RunContext, watch: OwnCycleWatch, at: number, reading: ServerReading): RunbookStep {
    const running = reading.running;
    if (running === null) {
        if (watch.idleSince !== null) return ownCycleEnded(run, watch, at, reading);
        return keepWatching(run, { ...watch, idleSince: at }, at, reading);
    }
    if (running.id !== watch.cycleId) {
        const endedAt = ownEnd(reading.history(watch.cycleId), watch.idleSince, running.startedAt);
        return ownCycleEnded(run, watch, endedAt, reading, at);
    }
    // Its own cycle runs (between two steps after an idle reading, or all along): the wait goes on.
    return keepWatching(run, { ...watch, idleSince: null }, at, reading);
}

/**
 * When its own cycle ended, once the next one runs: at the idle reading between the two, when it saw one after its
 * cycle's last step; else, when the next cycle started less than a poll after its end (no reading was idle), when
 * its last run ended by the run history (at the latest when the next cycle's first run started).
 */
function ownEnd(history: CycleHistory, idleAt: number | null, nextStartedAt: number): number {
    if (idleAt !== null && !history.runs.some((r) => r.startedAt > idleAt)) return idleAt;
    const ends = history.runs.flatMap((r) => (r.endedAt === null ? [] : [r.endedAt]));
    return ends.length === 0 ? nextStartedAt : Math.min(nextStartedAt, Math.max(...ends));
}

function keepWatching(run: RunContext, watch: OwnCycleWatch, at: number, reading: ServerReading): RunbookStep {
    if (at >= watch.deadline) {
        const history = reading.history(watch.cycleId);
        const result = timedOutResult(resultBase(run), watch.cycleStartedAt, history, run.parameters.timeoutMs / 1000);
        return finished(run, at + run.settings.resultCollectionMs, result);
    }
    const action = readAgain(run, watch.origin, watch.deadline, at, reading);
    return next({ phase: 'watchingOwnCycle', run, watch }, action);
}

/**
 * Its own cycle ended; `endedAt` is when the runbook saw the end (its cycleEndedAt). The results are read once,
 * after the reading that told (`at`).
 */
function ownCycleEnded(
    run: RunContext,
    watch: OwnCycleWatch,
    endedAt: number,
    reading: ServerReading,
    at = endedAt,
): RunbookStep {
    const history = reading.history(watch.cycleId);
    const result = withRunResults(resultBase(run), watch.cycleStartedAt, endedAt, history);
    return finished(run, at + run.settings.resultCollectionMs, result);
}

/**
 * The next reading while a wait goes on. While a cycle runs, every poll before its end (which a simulation knows)
 * or the deadline reads busy and changes nothing: the next reading is the first poll at or after either.
 */
function readAgain(
    run: RunContext,
    origin: number,
    deadline: number,
    at: number,
    reading: ServerReading,
): RunbookAction {
    const poll = run.settings.pollMs;
    if (reading.running === null) return { kind: 'readAt', at: at + poll };
    const pollAtOrAfter = (time: number): number =>
        poll === 0 ? Math.max(at, time) : origin + Math.max(0, Math.ceil((time - origin) / poll)) * poll;
    const at2 = Math.max(at + poll, Math.min(pollAtOrAfter(reading.running.endsAt), pollAtOrAfter(deadline)));
    return { kind: 'readAt', at: at2 };
}

/** Wait-ForeignCycle adds its wait, in whole seconds as PowerShell's [int] rounds (to even). */
function countWait(run: RunContext, waitedMs: number): RunContext {
    return { ...run, waitedForRunningCycleSeconds: run.waitedForRunningCycleSeconds + roundHalfEven(waitedMs / 1000) };
}

function roundHalfEven(value: number): number {
    const floor = Math.floor(value);
    const fraction = value - floor;
    if (fraction !== 0.5) return Math.round(value);
    return floor % 2 === 0 ? floor : floor + 1;
}

function resultBase(run: RunContext): ResultBase {
    const p = run.parameters;
    return {
        correlationId: p.correlationId.toLowerCase(),
        policyType: p.policy,
        notBefore: p.notBefore,
        cycleStartedAt: null,
        cycleEndedAt: null,
        importStartedAt: null,
        exportErrors: 0,
        busyRetries: run.busyRetries,
        waitedForRunningCycleSeconds: run.waitedForRunningCycleSeconds,
        connectors: [],
    };
}

function finish(run: RunContext, at: number, outcome: RunbookResult['outcome'], reason: string): RunbookStep {
    return finished(run, at, { ...resultBase(run), outcome, reason });
}

function finished(run: RunContext, at: number, result: RunbookResult): RunbookStep {
    return next({ phase: 'finished', run }, { kind: 'finish', at, result });
}

function next(state: RunbookState, action: RunbookAction): RunbookStep {
    return { state, action, beganWaiting: false };
}

/**
 * `NotBefore` as the runbook binds it: ISO 8601 UTC with `Z`, up to 7 fraction digits, a real date (epoch ms), or
 * undefined when the runbook would refuse it.
 */
function notBeforeMs(text: string): number | undefined {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$/.exec(text);
    if (match === null) return undefined;
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map(Number);
    const date = new Date(0);
    // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, Math.floor(Number(`0.${match[7] ?? '0'}`) * 1000));
    // Date rolls 2026-02-30 over to March and 06:60 to 07:00; the runbook refuses both.
    const fields = [year, month, day, hour, minute, second];
    const read = [
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
    ];
    return read.every((value, i) => value === fields[i]) ? date.getTime() : undefined;
}
