import type { ConnectorReport, CycleReport } from '../../domain/cycleOutcome';
import type { AutomationJobStatus, JobObservation } from '../../domain/jobObservation';
import type { SyncPolicy } from '../../domain/policy';
import { PermanentDependencyError, TransientDependencyError } from '../../errors';
import type { AutomationJobs, AutomationTarget, SyncJobParameters } from '../../ports/automationJobs';
import type { Clock } from '../../ports/clock';
import { EventQueue } from './eventQueue';
import { type Random, seededRandom } from './random';

/**
 * The Hybrid Worker's health. `offline`: jobs stay `New` (worker down, extension broken). `hung`: jobs are
 * picked up and then never finish (a runbook stuck on a prompt or a dead PowerShell host).
 */
export type WorkerState = 'online' | 'offline' | 'hung';

/**
 * What a runbook does on the Connect server once the worker picks it up.
 * - `waitThenStart`: this project's runbook (infra/runbooks/Start-EntraSyncCycle.ps1) as written: guards, waits for
 *   a running cycle, sleeps until `NotBefore` and waits again, starts one, waits for its end. It reads the server
 *   only at its polls (`busyPollMs` apart, from its own phase) and takes an end only at the second idle reading in a
 *   row, so it starts, and sees its own cycle end, 1 to 2 polls after the real end; or, when the next cycle started
 *   between its two idle readings, it sees that cycle in the run history and its own ended at the first one.
 * - `retryOnBusy`: the usual script: `Start-ADSyncSyncCycle`, and on "busy" retry `attempts` times
 *   `intervalMs` apart (DLConversionV2: 10 × 30 s); returns as soon as the cycle has started.
 * - `skipIfRecent`: the Laparoscope guard: do nothing when a cycle started within `withinMs`, else start one.
 * - `startWhenFree`: the physical floor of the comparison bench, not a real runbook. Picked up at the worker's next
 *   poll with no start-up delay, it starts a cycle the instant the server is free (no poll of its own, no retries)
 *   that runs as fast as the duration jitter allows, and none at all when a cycle that started after the job was
 *   created is already there to cover it (a second cycle would only hold up the next change). Best-case physics,
 *   so that no strategy beats it by the luck of a draw.
 */
type RunbookBehaviour =
    | { readonly kind: 'waitThenStart' }
    | { readonly kind: 'retryOnBusy'; readonly attempts: number; readonly intervalMs: number }
    | { readonly kind: 'skipIfRecent'; readonly withinMs: number }
    | { readonly kind: 'startWhenFree' };

/** How the simulated Entra Connect server and its Hybrid Worker behave. All times in milliseconds. */
export interface SimulatedConnectOptions {
    /** Seed of every random choice: the same seed and inputs replay the same history. */
    readonly seed: number;
    /** The worker polls Automation for new jobs this often; a job starts at the next poll. */
    readonly workerPollIntervalMs: number;
    /** Up to this much more before the runbook runs (PowerShell start, module import). */
    readonly pickupJitterMs: number;
    /** A Delta cycle with nothing to import takes this long. */
    readonly deltaBaseMs: number;
    /** An Initial (full import and full sync) cycle takes at least this long. */
    readonly initialBaseMs: number;
    /** Each change imported by the cycle adds this much. */
    readonly perChangeMs: number;
    /** Cycle durations vary by up to this fraction either way. */
    readonly durationJitter: number;
    /** Time the runbook needs after the cycle to collect run-profile results and write its line. */
    readonly resultCollectionMs: number;
    /** The built-in scheduler starts a Delta cycle this often when none is running; 0 turns it off. */
    readonly schedulerIntervalMs: number;
    /** First scheduler tick this long after the server starts; null picks one from the seed. */
    readonly schedulerPhaseMs: number | null;
    /**
     * This project's runbook reads `SyncCycleInProgress` this often while it waits, for someone else's cycle or for
     * its own (`PollSeconds`, default 5).
     */
    readonly busyPollMs: number;
    /** `waitThenStart` gives up waiting for someone else's cycle after this long (BusyTimeout). */
    readonly busyWaitTimeoutMs: number;
    /** A staging server never exports; the runbook reports SkippedStagingMode. */
    readonly stagingMode: boolean;
    /** Scheduler suspended (upgrade, wizard open): no scheduler cycles; the runbook reports it and skips. */
    readonly schedulerSuspended: boolean;
    /** Probability that a cycle ends with export errors. */
    readonly exportErrorRate: number;
    /** Probability that a runbook fails outright (module not loaded, access denied). */
    readonly failureRate: number;
    /** Probability that a job create call is refused with 503 (Automation throttling). */
    readonly createFailureRate: number;
    readonly worker: WorkerState;
    /** Behaviour per runbook name; any other name runs this project's runbook (`waitThenStart`). */
    readonly runbooks: Readonly<Record<string, RunbookBehaviour>>;
}

/** Realistic defaults (reference/prior-art.md §4): 30 s worker poll, 40 s small Delta, 30 min scheduler. */
export const DEFAULT_SIMULATED_CONNECT: SimulatedConnectOptions = Object.freeze({
    seed: 1,
    workerPollIntervalMs: 30_000,
    pickupJitterMs: 5_000,
    deltaBaseMs: 40_000,
    initialBaseMs: 20 * 60_000,
    perChangeMs: 10,
    durationJitter: 0.1,
    resultCollectionMs: 3_000,
    schedulerIntervalMs: 30 * 60_000,
    schedulerPhaseMs: null,
    // The runbook's PollSeconds default (5); the service does not pass it.
    busyPollMs: 5_000,
    // The runbook's BusyWaitSeconds default (1800); the service does not pass it.
    busyWaitTimeoutMs: 30 * 60_000,
    stagingMode: false,
    schedulerSuspended: false,
    exportErrorRate: 0,
    failureRate: 0,
    createFailureRate: 0,
    worker: 'online',
    runbooks: Object.freeze({}),
});

/** One sync cycle the server ran, whoever started it. */
export interface CycleRecord {
    readonly id: number;
    readonly trigger: 'scheduler' | 'job';
    readonly jobName: string | null;
    readonly policy: SyncPolicy;
    /** The import reads every change made before this moment. */
    readonly importStartedAt: number;
    /** Null while the cycle runs. */
    endedAt: number | null;
    readonly changesImported: number;
    /** False on a staging server: the cycle imported and synced but exported nothing. */
    readonly exported: boolean;
    readonly exportErrors: number;
}

/** Counters for benchmarks, tests and the local status output. */
export interface SimulatedConnectStats {
    jobsCreated: number;
    createCalls: number;
    getCalls: number;
    stopCalls: number;
    /** `Start-ADSyncSyncCycle` calls refused with "Sync is already running". */
    busyErrors: number;
    /** Runbooks that found a cycle running and waited for it (no error). */
    busyWaits: number;
    /** Scheduler ticks that found a cycle running and skipped. */
    schedulerSkips: number;
    createFailures: number;
}

/** What the server is doing, for the local status output and the demo. */
export interface SimulatedConnectSnapshot {
    readonly worker: WorkerState;
    readonly stagingMode: boolean;
    readonly runningCycle: CycleRecord | null;
    readonly lastCycle: CycleRecord | null;
    readonly queuedJobs: number;
    readonly runningJobs: number;
    readonly pendingChanges: number;
    readonly nextSchedulerCycleAt: number | null;
}

interface SimJob {
    readonly key: string;
    readonly jobName: string;
    readonly behaviour: RunbookBehaviour;
    readonly policy: SyncPolicy;
    readonly timeoutMs: number;
    readonly createdAt: number;
    status: AutomationJobStatus;
    startedAt: number | null;
    endedAt: number | null;
    report: CycleReport | null;
    attemptsLeft: number;
    /** A finish is scheduled (result collection); later events must not finish it again. */
    finishing: boolean;
    /** `NotBefore` (epoch ms) of this project's runbook; null without one. */
    readonly notBefore: number | null;
    /** Why the runbook refuses its parameters at binding (a malformed `NotBefore`), or null. */
    readonly bindingError: string | null;
    /** Where this project's runbook is between pickup and its result line; null for the others. */
    stage: RunbookStage | null;
}

/**
 * This project's runbook after pickup. The two waits read the server at polls `origin + k * busyPollMs`; `deadline`
 * is the busy budget (BusyWaitSeconds from pickup) or, for its own cycle, TimeoutSeconds from that cycle's start.
 */
type RunbookStage =
    | {
          readonly kind: 'waitingForIdle';
          readonly origin: number;
          readonly deadline: number;
          /** This wait follows the sleep until NotBefore, which is not taken twice. */
          readonly afterNotBefore: boolean;
          /** Idle readings in a row (Wait-SyncCycleIdle): the second ends the wait. */
          idleReadings: number;
      }
    | { readonly kind: 'sleepingUntilNotBefore' }
    | {
          readonly kind: 'watchingOwnCycle';
          readonly origin: number;
          readonly deadline: number;
          readonly cycle: CycleRecord;
          /**
           * The idle reading just before this one, or null when the last reading was busy (Wait-OwnCycleEnd). A second
           * idle reading ends the wait there; a busy one after it is the next cycle, so ours ended at this reading.
           */
          firstIdleAt: number | null;
      };

/** The stages in which the runbook polls the server. */
type PollingStage = Exclude<RunbookStage, { kind: 'sleepingUntilNotBefore' }>;

type SimEvent =
    | { readonly type: 'schedulerTick' }
    | { readonly type: 'pickup'; readonly job: SimJob }
    | { readonly type: 'retryStart'; readonly job: SimJob }
    | { readonly type: 'runbookPoll'; readonly job: SimJob }
    | { readonly type: 'notBeforeWake'; readonly job: SimJob }
    | { readonly type: 'runbookTimeout'; readonly job: SimJob }
    | { readonly type: 'cycleEnd'; readonly cycle: CycleRecord }
    | {
          readonly type: 'jobFinish';
          readonly job: SimJob;
          readonly status: AutomationJobStatus;
          readonly report: CycleReport;
      };

const AD_CONNECTOR = 'contoso.local';
const AAD_CONNECTOR = 'contoso.onmicrosoft.com - AAD';

/**
 * A simulated Entra Connect server with its Hybrid Runbook Worker, behind the {@link AutomationJobs} port.
 *
 * Time comes only from the injected clock and the model is evaluated lazily: every call first plays the
 * server's own events (worker polls, scheduler ticks, cycle ends) up to `clock.now()`. So the same class runs
 * under a {@link ManualClock} in discrete-event benchmarks and under the system clock in `npm start`.
 * Observations have the shape the real Automation adapter produces: `queued` until the worker picks the job
 * up, `running`, then `finished` with the runbook's {@link CycleReport}.
 */
export class SimulatedConnectServer implements AutomationJobs {
    readonly options: SimulatedConnectOptions;
    private readonly random: Random;
    private readonly queue = new EventQueue<SimEvent>();
    private readonly jobs = new Map<string, SimJob>();
    private readonly cycleLog: CycleRecord[] = [];
    /** The floor's jobs, whose cycle's end ends them (this project's runbook watches its own). */
    private readonly owners = new Map<number, SimJob>();
    /** `startWhenFree` jobs waiting for the server, oldest first. */
    private readonly floorWaiters: SimJob[] = [];
    /** `startWhenFree` jobs covered by a cycle someone else started: they end with it. */
    private readonly followers = new Map<number, SimJob[]>();
    private readonly parked: SimJob[] = [];
    private readonly counters: SimulatedConnectStats = {
        jobsCreated: 0,
        createCalls: 0,
        getCalls: 0,
        stopCalls: 0,
        busyErrors: 0,
        busyWaits: 0,
        schedulerSkips: 0,
        createFailures: 0,
    };
    private readonly workerPhase: number;
    private running: CycleRecord | null = null;
    /** When the running cycle will end: until then every reading of the server says busy. */
    private runningEndsAt = 0;
    private lastCycleStartedAt: number | null = null;
    private pendingChanges = 0;
    private worker: WorkerState;
    private stagingMode: boolean;
    private nextSchedulerAt: number | null = null;
    private processedUntil: number;

    constructor(
        private readonly clock: Clock,
        options: Partial<SimulatedConnectOptions> = {},
    ) {
        this.options = Object.freeze({ ...DEFAULT_SIMULATED_CONNECT, ...options });
        this.random = seededRandom(this.options.seed);
        this.worker = this.options.worker;
        this.stagingMode = this.options.stagingMode;
        const start = clock.now();
        this.processedUntil = start;
        this.workerPhase = this.random.int(Math.max(1, this.options.workerPollIntervalMs));
        if (this.options.schedulerIntervalMs > 0) {
            const phase = this.options.schedulerPhaseMs ?? this.random.int(this.options.schedulerIntervalMs);
            this.nextSchedulerAt = start + phase;
            this.queue.push(this.nextSchedulerAt, { type: 'schedulerTick' });
        }
    }

    // ---- AutomationJobs port ----

    createJob(target: AutomationTarget, jobName: string, parameters: SyncJobParameters): Promise<JobObservation> {
        const now = this.advance();
        this.counters.createCalls++;
        const key = jobKey(target, jobName);
        const existing = this.jobs.get(key);
        // Same name again: the real adapter turns 409 "already exists" into the existing job.
        if (existing !== undefined) return Promise.resolve(this.observe(existing));
        if (this.random.chance(this.options.createFailureRate)) {
            this.counters.createFailures++;
            return Promise.reject(new TransientDependencyError('Simulated 503 from Automation (throttled)', 503));
        }
        const notBefore = parameters.NotBefore === undefined ? null : notBeforeMs(parameters.NotBefore);
        const job: SimJob = {
            key,
            jobName,
            behaviour: this.options.runbooks[target.runbook] ?? { kind: 'waitThenStart' },
            policy: parameters.PolicyType,
            timeoutMs: parameters.TimeoutSeconds * 1000,
            createdAt: now,
            status: 'New',
            startedAt: null,
            endedAt: null,
            report: null,
            attemptsLeft: 0,
            finishing: false,
            notBefore: notBefore ?? null,
            bindingError:
                notBefore === undefined
                    ? "Cannot validate argument on parameter 'NotBefore': not an ISO 8601 UTC instant"
                    : null,
            stage: null,
        };
        if (job.behaviour.kind === 'retryOnBusy') job.attemptsLeft = job.behaviour.attempts;
        this.jobs.set(key, job);
        this.counters.jobsCreated++;
        // The floor starts up as fast as the worker ever does: with many jobs at one poll, some job always does.
        const pickupAt = job.behaviour.kind === 'startWhenFree' ? this.nextPollAt(now) : this.pickupAt(now);
        this.queue.push(pickupAt, { type: 'pickup', job });
        return Promise.resolve(this.observe(job));
    }

    getJob(target: AutomationTarget, jobName: string): Promise<JobObservation> {
        this.advance();
        this.counters.getCalls++;
        const job = this.jobs.get(jobKey(target, jobName));
        if (job === undefined) return Promise.reject(new PermanentDependencyError(`Job ${jobName} not found`, 404));
        return Promise.resolve(this.observe(job));
    }

    stopJob(target: AutomationTarget, jobName: string): Promise<void> {
        const now = this.advance();
        this.counters.stopCalls++;
        const job = this.jobs.get(jobKey(target, jobName));
        if (job === undefined) return Promise.reject(new PermanentDependencyError(`Job ${jobName} not found`, 404));
        // Stopping the job does not stop a sync cycle it started: ADSync keeps running, as on a real server.
        if (!isTerminal(job.status)) {
            this.finish(job, now, 'Stopped', { outcome: 'Stopped', exportErrors: 0, reason: 'Stopped on request' });
        }
        return Promise.resolve();
    }

    // ---- the AD side and operator controls ----

    /** Changes made in Active Directory; the next cycle's import reads them and takes longer for it. */
    recordChanges(count: number): void {
        this.advance();
        this.pendingChanges += count;
    }

    setWorker(state: WorkerState): void {
        const now = this.advance();
        this.worker = state;
        if (state === 'online') {
            for (const job of this.parked.splice(0)) this.queue.push(this.pickupAt(now), { type: 'pickup', job });
        }
    }

    setStagingMode(on: boolean): void {
        this.advance();
        this.stagingMode = on;
    }

    // ---- inspection ----

    /** Every cycle so far, oldest first (copies). */
    cycles(): CycleRecord[] {
        this.advance();
        return this.cycleLog.map((c) => ({ ...c }));
    }

    stats(): Readonly<SimulatedConnectStats> {
        this.advance();
        return { ...this.counters };
    }

    snapshot(): SimulatedConnectSnapshot {
        this.advance();
        let queuedJobs = 0;
        let runningJobs = 0;
        for (const job of this.jobs.values()) {
            if (job.status === 'New') queuedJobs++;
            else if (job.status === 'Running') runningJobs++;
        }
        return {
            worker: this.worker,
            stagingMode: this.stagingMode,
            runningCycle: this.running === null ? null : { ...this.running },
            lastCycle: this.lastFinishedCycle(),
            queuedJobs,
            runningJobs,
            pendingChanges: this.pendingChanges,
            nextSchedulerCycleAt: this.nextSchedulerAt,
        };
    }

    /** When the server next does something by itself, or null; discrete-event loops step to it. */
    nextEventAt(): number | null {
        return this.queue.peekAt();
    }

    /** Plays the server's own events up to `at` (normally the clock's time). */
    advanceTo(at: number): void {
        for (let next = this.queue.popDue(at); next !== null; next = this.queue.popDue(at)) {
            this.processedUntil = Math.max(this.processedUntil, next.at);
            this.handle(next.at, next.item);
        }
        this.processedUntil = Math.max(this.processedUntil, at);
    }

    private advance(): number {
        const now = Math.max(this.clock.now(), this.processedUntil);
        this.advanceTo(now);
        return now;
    }

    // ---- the model ----

    private pickupAt(now: number): number {
        return this.nextPollAt(now) + this.random.int(this.options.pickupJitterMs + 1);
    }

    /** The worker's next poll for new jobs after `now`. */
    private nextPollAt(now: number): number {
        const interval = Math.max(1, this.options.workerPollIntervalMs);
        const sinceTick = (((now - this.workerPhase) % interval) + interval) % interval;
        return now - sinceTick + interval;
    }

    private handle(at: number, event: SimEvent): void {
        switch (event.type) {
            case 'schedulerTick':
                this.schedulerTick(at);
                return;
            case 'pickup':
                this.pickup(at, event.job);
                return;
            case 'retryStart':
                this.retryStart(at, event.job);
                return;
            case 'runbookPoll':
                this.runbookPoll(at, event.job);
                return;
            case 'notBeforeWake':
                if (!isTerminal(event.job.status) && !event.job.finishing) this.waitThenGo(at, event.job, true);
                return;
            case 'runbookTimeout':
                if (!isTerminal(event.job.status) && !event.job.finishing) {
                    this.finish(event.job, at, 'Completed', {
                        outcome: 'TimedOut',
                        exportErrors: 0,
                        reason: 'The sync cycle did not finish within the runbook timeout',
                    });
                }
                return;
            case 'cycleEnd':
                this.cycleEnd(at, event.cycle);
                return;
            case 'jobFinish':
                if (!isTerminal(event.job.status)) this.finish(event.job, at, event.status, event.report);
                return;
        }
    }

    private schedulerTick(at: number): void {
        this.nextSchedulerAt = at + this.options.schedulerIntervalMs;
        this.queue.push(this.nextSchedulerAt, { type: 'schedulerTick' });
        if (this.options.schedulerSuspended) return;
        if (this.running !== null) {
            // The real scheduler does not queue a cycle behind a running one; it tries again next interval.
            this.counters.schedulerSkips++;
            return;
        }
        this.startCycle(at, 'Delta', null, false);
    }

    private pickup(at: number, job: SimJob): void {
        if (isTerminal(job.status)) return;
        if (this.worker === 'offline') {
            this.parked.push(job);
            return;
        }
        job.status = 'Running';
        job.startedAt = at;
        if (this.worker === 'hung') return;
        const collect = this.options.resultCollectionMs;
        if (this.random.chance(this.options.failureRate)) {
            this.finishLater(job, at + collect, 'Failed', {
                outcome: 'Failed',
                exportErrors: 0,
                reason: 'Simulated runbook failure: the ADSync module could not be imported',
            });
            return;
        }
        if (job.behaviour.kind === 'startWhenFree') {
            this.startWhenFree(at, job);
            return;
        }
        if (job.behaviour.kind === 'waitThenStart') {
            if (job.bindingError !== null) {
                // PowerShell refuses the parameters before the script runs: the job fails with no result line.
                this.finish(job, at, 'Failed', { outcome: 'Failed', exportErrors: 0, reason: job.bindingError });
                return;
            }
            if (this.stagingMode) {
                this.finishLater(job, at + collect, 'Completed', {
                    outcome: 'SkippedStagingMode',
                    exportErrors: 0,
                    reason: 'The server is in staging mode',
                });
                return;
            }
            if (this.options.schedulerSuspended) {
                this.finishLater(job, at + collect, 'Completed', {
                    outcome: 'SkippedSchedulerSuspended',
                    exportErrors: 0,
                    reason: 'The sync scheduler is suspended',
                });
                return;
            }
            this.waitThenGo(at, job, false);
            return;
        }
        if (job.behaviour.kind === 'skipIfRecent') {
            const recent = this.lastCycleStartedAt !== null && at - this.lastCycleStartedAt < job.behaviour.withinMs;
            if (recent) {
                this.finishLater(job, at + collect, 'Completed', {
                    outcome: 'Succeeded',
                    exportErrors: 0,
                    reason: 'Skipped: a cycle started recently',
                });
                return;
            }
        }
        this.retryStart(at, job);
    }

    /** The floor: covered already, or start now, or wait for the instant the running cycle ends. */
    private startWhenFree(at: number, job: SimJob): void {
        const latest = this.cycleLog.at(-1);
        // Strictly after: a cycle whose import started at the very instant of the change may not have read it.
        if (latest !== undefined && latest.importStartedAt > job.createdAt) {
            this.follow(at, job, latest);
        } else if (this.running === null) {
            this.startCycle(at, job.policy, job, true);
        } else {
            this.floorWaiters.push(job);
            this.counters.busyWaits++;
        }
    }

    private follow(at: number, job: SimJob, cycle: CycleRecord): void {
        if (cycle.endedAt !== null) {
            const endAt = Math.max(at, cycle.endedAt) + this.options.resultCollectionMs;
            this.finishLater(job, endAt, 'Completed', cycleReport(cycle));
            return;
        }
        const list = this.followers.get(cycle.id) ?? [];
        list.push(job);
        this.followers.set(cycle.id, list);
    }

    /** Scripts call `Start-ADSyncSyncCycle` directly, which refuses while a cycle runs. */
    private retryStart(at: number, job: SimJob): void {
        if (isTerminal(job.status)) return;
        if (this.running === null) {
            const cycle = this.startCycle(at, job.policy, job, false);
            // Start-ADSyncSyncCycle returns once the cycle has started: the script's job ends there.
            this.finishLater(job, at + this.options.resultCollectionMs, 'Completed', {
                outcome: 'Succeeded',
                exportErrors: 0,
                reason: 'Cycle started',
                cycleStartedAt: cycle.importStartedAt,
            });
            return;
        }
        this.counters.busyErrors++;
        job.attemptsLeft--;
        if (job.behaviour.kind === 'retryOnBusy' && job.attemptsLeft > 0) {
            this.queue.push(at + job.behaviour.intervalMs, { type: 'retryStart', job });
            return;
        }
        this.finish(job, at, 'Failed', {
            outcome: 'BusyTimeout',
            exportErrors: 0,
            reason: 'Sync is already running',
        });
    }

    /**
     * This project's runbook at one reading of the server (Test-SyncCycleRunning): a cycle runs, so it waits for
     * the end (our change may postdate that cycle's import); or the server is idle, so it goes on.
     * @param afterNotBefore - the reading that follows the sleep until NotBefore
     */
    private waitThenGo(at: number, job: SimJob, afterNotBefore: boolean): void {
        if (this.running === null) {
            this.onIdle(at, job, afterNotBefore);
            return;
        }
        this.counters.busyWaits++;
        // The busy budget counts from pickup, the NotBefore sleep included.
        const deadline = (job.startedAt ?? at) + this.options.busyWaitTimeoutMs;
        const stage: RunbookStage = { kind: 'waitingForIdle', origin: at, deadline, afterNotBefore, idleReadings: 0 };
        job.stage = stage;
        this.pollAgain(at, job, stage);
    }

    /** Idle: sleep until NotBefore when it is still ahead (then read again), else start our cycle. */
    private onIdle(at: number, job: SimJob, afterNotBefore: boolean): void {
        const notBefore = job.notBefore;
        if (!afterNotBefore && notBefore !== null && at < notBefore) {
            if (notBefore > (job.startedAt ?? at) + this.options.busyWaitTimeoutMs) {
                this.finish(job, at, 'Completed', {
                    outcome: 'BusyTimeout',
                    exportErrors: 0,
                    reason: 'NotBefore is later than the busy budget allows',
                });
                return;
            }
            job.stage = { kind: 'sleepingUntilNotBefore' };
            // Start-Sleep -Seconds takes whole seconds, rounded up.
            this.queue.push(at + Math.ceil((notBefore - at) / 1000) * 1000, { type: 'notBeforeWake', job });
            return;
        }
        const cycle = this.startCycle(at, job.policy, job, false);
        const stage: RunbookStage = {
            kind: 'watchingOwnCycle',
            // After Start-ADSyncSyncCycle the runbook sleeps one poll before its first reading.
            origin: at,
            deadline: at + job.timeoutMs,
            cycle,
            firstIdleAt: null,
        };
        job.stage = stage;
        this.queue.push(at + this.options.busyPollMs, { type: 'runbookPoll', job });
    }

    /** One poll of the runbook's wait; the deadline ends it too. */
    private runbookPoll(at: number, job: SimJob): void {
        const stage = job.stage;
        if (isTerminal(job.status) || job.finishing || stage === null || stage.kind === 'sleepingUntilNotBefore')
            return;
        if (stage.kind === 'waitingForIdle') {
            // Wait-SyncCycleIdle: two idle readings in a row.
            stage.idleReadings = this.running === null ? stage.idleReadings + 1 : 0;
            if (stage.idleReadings >= 2) {
                this.onIdle(at, job, stage.afterNotBefore);
                return;
            }
        } else if (this.watchOwnCycle(at, job, stage)) {
            return;
        }
        if (at >= stage.deadline) {
            this.finish(job, at, 'Completed', timeoutReport(stage));
            return;
        }
        this.pollAgain(at, job, stage);
    }

    /**
     * One reading of Wait-OwnCycleEnd; true when it ends the wait. The runbook's cycleEndedAt is when it saw the end,
     * not when the cycle ended: at its second idle reading in a row, or, when the next cycle (a job queued behind
     * ours, the scheduler) started between the two, at the first one. The run history shows that next cycle at the
     * busy reading (here every cycle's import starts with it), and the report covers only our own cycle's runs.
     */
    private watchOwnCycle(
        at: number,
        job: SimJob,
        stage: Extract<RunbookStage, { kind: 'watchingOwnCycle' }>,
    ): boolean {
        const collect = this.options.resultCollectionMs;
        if (this.running === null) {
            if (stage.firstIdleAt === null) {
                stage.firstIdleAt = at;
                return false;
            }
            this.finishLater(job, at + collect, 'Completed', cycleReport(stage.cycle, at));
            return true;
        }
        // Our own cycle never runs again after an idle reading here (no RunState flicker is modelled): a cycle
        // running now is the next one.
        if (stage.firstIdleAt !== null) {
            this.finishLater(job, at + collect, 'Completed', cycleReport(stage.cycle, stage.firstIdleAt));
            return true;
        }
        return false;
    }

    /**
     * Schedules the runbook's next reading. While a cycle runs, every poll before its end (known here) or before the
     * deadline would read busy and change nothing: the next event is the first poll at or after either.
     */
    private pollAgain(at: number, job: SimJob, stage: PollingStage): void {
        const poll = Math.max(1, this.options.busyPollMs);
        const pollAtOrAfter = (time: number) =>
            stage.origin + Math.max(0, Math.ceil((time - stage.origin) / poll)) * poll;
        const next =
            this.running === null
                ? at + poll
                : Math.max(at + poll, Math.min(pollAtOrAfter(this.runningEndsAt), pollAtOrAfter(stage.deadline)));
        this.queue.push(next, { type: 'runbookPoll', job });
    }

    /**
     * @param starter - the job whose runbook started the cycle, null for the scheduler
     * @param owns - the cycle's end ends the starter's job (the floor); this project's runbook watches its own
     *   cycle by polling (runbookPoll), and scripts return once the cycle has started
     */
    private startCycle(at: number, policy: SyncPolicy, starter: SimJob | null, owns: boolean): CycleRecord {
        const o = this.options;
        const imported = this.pendingChanges;
        this.pendingChanges = 0;
        const base = policy === 'Initial' ? o.initialBaseMs : o.deltaBaseMs;
        const draw = this.random.next();
        // The floor's cycles run as fast as this server ever runs a cycle of that size: the luck of the draw is
        // not something any strategy can beat it with.
        const jitter = 1 + o.durationJitter * (starter?.behaviour.kind === 'startWhenFree' ? -1 : 2 * draw - 1);
        const duration = Math.max(1_000, Math.round((base + o.perChangeMs * imported) * jitter));
        const exportErrors =
            !this.stagingMode && this.random.chance(o.exportErrorRate)
                ? 1 + this.random.int(Math.min(5, imported + 1))
                : 0;
        const cycle: CycleRecord = {
            id: this.cycleLog.length + 1,
            trigger: starter === null ? 'scheduler' : 'job',
            jobName: starter?.jobName ?? null,
            policy,
            importStartedAt: at,
            endedAt: null,
            changesImported: imported,
            exported: !this.stagingMode,
            exportErrors,
        };
        this.cycleLog.push(cycle);
        this.running = cycle;
        this.runningEndsAt = at + duration;
        this.lastCycleStartedAt = at;
        if (starter !== null && owns) {
            this.owners.set(cycle.id, starter);
            // As in the runbook, TimeoutSeconds counts from the start of its own cycle, not from the wait before it.
            this.queue.push(at + starter.timeoutMs, { type: 'runbookTimeout', job: starter });
        }
        this.queue.push(at + duration, { type: 'cycleEnd', cycle });
        return cycle;
    }

    private cycleEnd(at: number, cycle: CycleRecord): void {
        cycle.endedAt = at;
        if (this.running?.id === cycle.id) this.running = null;
        const owner = this.owners.get(cycle.id);
        this.owners.delete(cycle.id);
        if (owner !== undefined && !isTerminal(owner.status) && !owner.finishing) {
            this.finishLater(owner, at + this.options.resultCollectionMs, 'Completed', cycleReport(cycle));
        }
        for (const job of this.followers.get(cycle.id) ?? []) {
            if (!isTerminal(job.status) && !job.finishing) {
                this.finishLater(job, at + this.options.resultCollectionMs, 'Completed', cycleReport(cycle));
            }
        }
        this.followers.delete(cycle.id);
        // The floor's waiters start the instant the server is free: the first starts a cycle that covers them all.
        const [first, ...rest] = this.floorWaiters.splice(0);
        if (first !== undefined) {
            const next = this.startCycle(at, first.policy, first, true);
            for (const job of rest) this.follow(at, job, next);
        }
    }

    private finishLater(job: SimJob, at: number, status: AutomationJobStatus, report: CycleReport): void {
        job.finishing = true;
        this.queue.push(at, { type: 'jobFinish', job, status, report });
    }

    private finish(job: SimJob, at: number, status: AutomationJobStatus, report: CycleReport): void {
        job.status = status;
        job.endedAt = at;
        job.report = report;
        job.finishing = true;
    }

    private lastFinishedCycle(): CycleRecord | null {
        for (let i = this.cycleLog.length - 1; i >= 0; i--) {
            const cycle = this.cycleLog[i];
            if (cycle !== undefined && cycle.endedAt !== null) return { ...cycle };
        }
        return null;
    }

    private observe(job: SimJob): JobObservation {
        if (job.status === 'New') return { kind: 'queued', status: 'New' };
        if (!isTerminal(job.status)) {
            return job.startedAt === null
                ? { kind: 'running', status: job.status }
                : { kind: 'running', status: job.status, startedAt: job.startedAt };
        }
        const report = job.report ?? { outcome: 'Failed', exportErrors: 0, reason: 'No result line' };
        return {
            kind: 'finished',
            status: job.status,
            report,
            ...(job.startedAt === null ? {} : { startedAt: job.startedAt }),
            ...(job.endedAt === null ? {} : { endedAt: job.endedAt }),
        };
    }
}

function jobKey(target: AutomationTarget, jobName: string): string {
    return `${target.subscriptionId}/${target.resourceGroup}/${target.automationAccount}/${jobName}`;
}

function isTerminal(status: AutomationJobStatus): boolean {
    return status === 'Completed' || status === 'Failed' || status === 'Stopped';
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

/** What the runbook reports when its deadline passes during a wait. */
function timeoutReport(stage: PollingStage): CycleReport {
    if (stage.kind === 'waitingForIdle') {
        return {
            outcome: 'BusyTimeout',
            exportErrors: 0,
            reason: 'Another sync cycle was still running when the wait limit passed',
        };
    }
    // Its own cycle still runs; the import has started (and read AD), and the runbook says so.
    return {
        outcome: 'TimedOut',
        exportErrors: 0,
        reason: 'The sync cycle did not finish within the runbook timeout',
        cycleStartedAt: stage.cycle.importStartedAt,
        importStartedAt: stage.cycle.importStartedAt,
    };
}

/**
 * The result line our runbook writes for a cycle it ran.
 * @param endSeenAt - the runbook's cycleEndedAt: when it saw the end (this project's runbook), else the true end
 */
function cycleReport(cycle: CycleRecord, endSeenAt: number | null = cycle.endedAt): CycleReport {
    const importProfile = cycle.policy === 'Initial' ? 'Full Import' : 'Delta Import';
    const syncProfile = cycle.policy === 'Initial' ? 'Full Synchronization' : 'Delta Synchronization';
    const connectors: ConnectorReport[] = [
        { connector: AD_CONNECTOR, runProfile: importProfile, result: 'success', updates: cycle.changesImported },
        { connector: AD_CONNECTOR, runProfile: syncProfile, result: 'success', updates: cycle.changesImported },
        {
            connector: AAD_CONNECTOR,
            runProfile: 'Export',
            result: cycle.exportErrors > 0 ? 'completed-export-errors' : 'success',
            updates: Math.max(0, cycle.changesImported - cycle.exportErrors),
            errors: cycle.exportErrors,
        },
    ];
    return {
        outcome: cycle.exportErrors > 0 ? 'CompletedWithExportErrors' : 'Succeeded',
        exportErrors: cycle.exportErrors,
        ...(cycle.exportErrors > 0 ? { reason: `${cycle.exportErrors} export error(s)` } : {}),
        ...(endSeenAt === null ? {} : { cycleEndedAt: endSeenAt }),
        cycleStartedAt: cycle.importStartedAt,
        // The runbook's evidence of coverage; here the import starts the moment the cycle does.
        importStartedAt: cycle.importStartedAt,
        connectors,
    };
}
