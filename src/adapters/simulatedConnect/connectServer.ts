import type { CycleReport } from '../../domain/cycleOutcome';
import type { AutomationJobStatus, JobObservation } from '../../domain/jobObservation';
import { TransientDependencyError } from '../../errors';
import type { AutomationJobs, AutomationTarget, SyncJobParameters } from '../../ports/automationJobs';
import type { Clock } from '../../ports/clock';
import {
    ConnectWorld,
    type CyclePace,
    type CyclePlan,
    type CycleRecord,
    type RunbookEnd,
    type RunbookJob,
    type RunbookProgram,
    type ServerControl,
} from './connectWorld';
import { ProjectRunbook } from './projectRunbook';
import { type Random, seededRandom } from './random';
import type { RunbookSettings } from './runbook';

export type { CycleRecord } from './connectWorld';

/**
 * The Hybrid Worker's health. `offline`: jobs stay `New` (worker down, extension broken). `hung`: jobs are
 * picked up and then never finish (a runbook stuck on a prompt or a dead PowerShell host).
 */
export type WorkerState = 'online' | 'offline' | 'hung';

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
    /** This project's runbook gives up waiting for someone else's cycle after this long (BusyTimeout). */
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
});

/**
 * Another runbook than this project's, by runbook name: made once per server, for the programs it runs (the
 * comparison bench's scripts, bench/runbooks.ts).
 */
export type RunbookFactory = (server: ServerControl<SimulatedJob>) => RunbookProgram<SimulatedJob>;

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

/**
 * What changes the simulation from outside, with when it happened: the simulation is deterministic in its seed,
 * its options and these, so replaying them ({@link SimulatedConnectServer.apply}) rebuilds it (the local host keeps
 * them across a restart).
 */
export type SimulationInput =
    | {
          readonly kind: 'createJob';
          readonly at: number;
          readonly target: AutomationTarget;
          readonly jobName: string;
          readonly parameters: SyncJobParameters;
      }
    | { readonly kind: 'stopJob'; readonly at: number; readonly target: AutomationTarget; readonly jobName: string }
    | { readonly kind: 'recordChanges'; readonly at: number; readonly count: number }
    | { readonly kind: 'setWorker'; readonly at: number; readonly state: WorkerState }
    | { readonly kind: 'setStagingMode'; readonly at: number; readonly on: boolean };

/** A job as Automation holds it, with the runbook it runs. */
export interface SimulatedJob extends RunbookJob {
    readonly key: string;
    readonly policy: SyncJobParameters['PolicyType'];
    readonly program: RunbookProgram<SimulatedJob>;
    status: AutomationJobStatus;
    startedAt: number | null;
    endedAt: number | null;
    report: CycleReport | null;
}

/**
 * A simulated Entra Connect server with its Hybrid Runbook Worker, behind the {@link AutomationJobs} port.
 *
 * Time comes only from the injected clock and the model is evaluated lazily: every call first plays the
 * server's own events (worker polls, scheduler ticks, cycle ends, the runbooks' readings) up to `clock.now()`. So
 * the same class runs under a {@link ManualClock} in discrete-event benchmarks and under the system clock in
 * `npm start`. Observations have the shape the real Automation adapter produces: `queued` until the worker picks
 * the job up, `running`, then `finished` with the report the real adapter makes of the runbook's line, and
 * `notFound` for a job Automation does not have. A job of any runbook name runs this project's runbook (the
 * model in runbook.ts) unless `runbooks` names another program for it.
 */
export class SimulatedConnectServer implements AutomationJobs {
    readonly options: SimulatedConnectOptions;
    private readonly random: Random;
    private readonly world: ConnectWorld<SimulatedJob>;
    private readonly jobs = new Map<string, SimulatedJob>();
    private readonly projectRunbook: ProjectRunbook<SimulatedJob>;
    private readonly programs = new Map<string, RunbookProgram<SimulatedJob>>();
    private readonly parked: SimulatedJob[] = [];
    private readonly counters = { jobsCreated: 0, createCalls: 0, getCalls: 0, stopCalls: 0, createFailures: 0 };
    private readonly workerPhase: number;
    private pendingChanges = 0;
    private worker: WorkerState;
    private recorder: ((input: SimulationInput) => void) | null = null;

    /**
     * @param clock - the only source of time
     * @param options - how the server behaves, over {@link DEFAULT_SIMULATED_CONNECT}
     * @param runbooks - other runbooks than this project's, by runbook name
     */
    constructor(
        private readonly clock: Clock,
        options: Partial<SimulatedConnectOptions> = {},
        runbooks: Readonly<Record<string, RunbookFactory>> = {},
    ) {
        this.options = Object.freeze({ ...DEFAULT_SIMULATED_CONNECT, ...options });
        const o = this.options;
        this.random = seededRandom(o.seed);
        this.worker = o.worker;
        const start = clock.now();
        this.workerPhase = this.random.int(Math.max(1, o.workerPollIntervalMs));
        const phase = o.schedulerIntervalMs > 0 ? (o.schedulerPhaseMs ?? this.random.int(o.schedulerIntervalMs)) : 0;
        this.world = new ConnectWorld<SimulatedJob>({
            start,
            schedulerIntervalMs: o.schedulerIntervalMs,
            schedulerFirstAt: start + phase,
            schedulerSuspended: o.schedulerSuspended,
            stagingMode: o.stagingMode,
            planCycle: (policy, _starter, pace) => this.planCycle(policy, pace),
            onRunbookEnd: (job, at, end) => this.onRunbookEnd(job, at, end),
        });
        const settings: RunbookSettings = {
            pollMs: o.busyPollMs,
            busyWaitMs: o.busyWaitTimeoutMs,
            busyRetryCount: 5,
            busyRetryMs: 30_000,
            resultCollectionMs: o.resultCollectionMs,
        };
        this.projectRunbook = new ProjectRunbook(this.world, { settingsOf: () => settings });
        for (const [name, factory] of Object.entries(runbooks)) this.programs.set(name, factory(this.world));
    }

    // ---- AutomationJobs port ----

    createJob(target: AutomationTarget, jobName: string, parameters: SyncJobParameters): Promise<JobObservation> {
        const now = this.advance();
        this.recorder?.({ kind: 'createJob', at: now, target, jobName, parameters });
        this.counters.createCalls++;
        const key = jobKey(target, jobName);
        const existing = this.jobs.get(key);
        // Same name again: the real adapter turns 409 "already exists" into the existing job.
        if (existing !== undefined) return Promise.resolve(this.observe(existing));
        if (this.random.chance(this.options.createFailureRate)) {
            this.counters.createFailures++;
            return Promise.reject(new TransientDependencyError('Simulated 503 from Automation (throttled)', 503));
        }
        const program: RunbookProgram<SimulatedJob> = this.programs.get(target.runbook) ?? this.projectRunbook;
        const job: SimulatedJob = {
            key,
            jobName,
            parameters,
            createdAt: now,
            done: false,
            policy: parameters.PolicyType,
            program,
            status: 'New',
            startedAt: null,
            endedAt: null,
            report: null,
        };
        this.jobs.set(key, job);
        this.counters.jobsCreated++;
        // The floor starts up as fast as the worker ever does: with many jobs at one poll, some job always does.
        const pickupAt = program.startsWithoutDelay === true ? this.nextPollAt(now) : this.pickupAt(now);
        this.world.schedule(pickupAt, (at) => this.pickup(at, job));
        return Promise.resolve(this.observe(job));
    }

    getJob(target: AutomationTarget, jobName: string): Promise<JobObservation> {
        this.advance();
        this.counters.getCalls++;
        const job = this.jobs.get(jobKey(target, jobName));
        // As Automation answers for a job it does not have, and the real adapter reports it.
        return Promise.resolve(job === undefined ? { kind: 'notFound' } : this.observe(job));
    }

    stopJob(target: AutomationTarget, jobName: string): Promise<void> {
        const now = this.advance();
        this.recorder?.({ kind: 'stopJob', at: now, target, jobName });
        this.counters.stopCalls++;
        const job = this.jobs.get(jobKey(target, jobName));
        // A job Automation does not have cannot run: the outcome a stop wants, as the real adapter says.
        if (job === undefined) return Promise.resolve();
        // Stopping the job does not stop a sync cycle it started: ADSync keeps running, as on a real server.
        if (!isTerminal(job.status)) {
            job.done = true;
            this.finish(job, now, 'Stopped', { outcome: 'Stopped', exportErrors: 0, reason: 'Stopped on request' });
        }
        return Promise.resolve();
    }

    // ---- the AD side and operator controls ----

    /** Changes made in Active Directory; the next cycle's import reads them and takes longer for it. */
    recordChanges(count: number): void {
        const now = this.advance();
        this.recorder?.({ kind: 'recordChanges', at: now, count });
        this.pendingChanges += count;
    }

    setWorker(state: WorkerState): void {
        const now = this.advance();
        this.recorder?.({ kind: 'setWorker', at: now, state });
        this.worker = state;
        if (state === 'online') {
            for (const job of this.parked.splice(0)) {
                this.world.schedule(this.pickupAt(now), (at) => this.pickup(at, job));
            }
        }
    }

    setStagingMode(on: boolean): void {
        const now = this.advance();
        this.recorder?.({ kind: 'setStagingMode', at: now, on });
        this.world.stagingMode = on;
    }

    // ---- replay ----

    /**
     * Hands every input from now on to `recorder`, before it takes effect (before a create answers).
     * @param recorder - where the inputs go, or null to stop
     */
    recordInputs(recorder: ((input: SimulationInput) => void) | null): void {
        this.recorder = recorder;
    }

    /**
     * Applies an input as it happened. The clock must read the input's time (a replay sets it so): the same
     * inputs at the same times on a server of the same seed and options rebuild the same history.
     * @param input - a recorded input
     */
    async apply(input: SimulationInput): Promise<void> {
        switch (input.kind) {
            case 'createJob':
                // A create refused then (a simulated 503) is refused again; its answer went to its caller then.
                await this.createJob(input.target, input.jobName, input.parameters).catch(() => undefined);
                return;
            case 'stopJob':
                await this.stopJob(input.target, input.jobName);
                return;
            case 'recordChanges':
                this.recordChanges(input.count);
                return;
            case 'setWorker':
                this.setWorker(input.state);
                return;
            case 'setStagingMode':
                this.setStagingMode(input.on);
                return;
        }
    }

    // ---- inspection ----

    /** Every cycle so far, oldest first (copies). */
    cycles(): CycleRecord[] {
        this.advance();
        return this.world.cycles.map((c) => ({ ...c }));
    }

    stats(): Readonly<SimulatedConnectStats> {
        this.advance();
        return { ...this.counters, ...this.world.counters };
    }

    snapshot(): SimulatedConnectSnapshot {
        this.advance();
        let queuedJobs = 0;
        let runningJobs = 0;
        for (const job of this.jobs.values()) {
            if (job.status === 'New') queuedJobs++;
            else if (job.status === 'Running') runningJobs++;
        }
        const running = this.world.running();
        return {
            worker: this.worker,
            stagingMode: this.world.stagingMode,
            runningCycle: running === null ? null : { ...running },
            lastCycle: this.lastFinishedCycle(),
            queuedJobs,
            runningJobs,
            pendingChanges: this.pendingChanges,
            nextSchedulerCycleAt: this.world.nextSchedulerCycleAt,
        };
    }

    /** When the server next does something by itself, or null; discrete-event loops step to it. */
    nextEventAt(): number | null {
        return this.world.nextEventAt();
    }

    /** Plays the server's own events up to `at` (normally the clock's time). */
    advanceTo(at: number): void {
        this.world.advanceTo(at);
    }

    private advance(): number {
        const now = Math.max(this.clock.now(), this.world.now);
        this.world.advanceTo(now);
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

    /** The worker picks the job up and runs its runbook, unless it is offline, hung, or the runbook fails outright. */
    private pickup(at: number, job: SimulatedJob): void {
        if (isTerminal(job.status)) return;
        if (this.worker === 'offline') {
            this.parked.push(job);
            return;
        }
        job.status = 'Running';
        job.startedAt = at;
        if (this.worker === 'hung') return;
        if (this.random.chance(this.options.failureRate)) {
            const reason = 'Simulated runbook failure: the ADSync module could not be imported';
            const end: RunbookEnd = {
                status: 'Failed',
                report: { outcome: 'Failed', exportErrors: 0, reason },
                output: null,
            };
            this.world.endRunbook(job, at + this.options.resultCollectionMs, end);
            return;
        }
        job.program.begin(job, at);
    }

    /** A cycle's length and export errors: it imports the changes recorded since the last cycle. */
    private planCycle(policy: SyncJobParameters['PolicyType'], pace: CyclePace): CyclePlan {
        const o = this.options;
        const imported = this.pendingChanges;
        this.pendingChanges = 0;
        const base = policy === 'Initial' ? o.initialBaseMs : o.deltaBaseMs;
        const draw = this.random.next();
        // The floor's cycles run as fast as this server ever runs a cycle of that size: the luck of the draw is
        // not something any strategy can beat it with.
        const jitter = 1 + o.durationJitter * (pace === 'fastest' ? -1 : 2 * draw - 1);
        const durationMs = Math.max(1_000, Math.round((base + o.perChangeMs * imported) * jitter));
        const exportErrors =
            !this.world.stagingMode && this.random.chance(o.exportErrorRate)
                ? 1 + this.random.int(Math.min(5, imported + 1))
                : 0;
        return { durationMs, changesImported: imported, exportErrors };
    }

    /** The runbook wrote its line (or failed): the job ends then, unless it is stopped first. */
    private onRunbookEnd(job: SimulatedJob, at: number, end: RunbookEnd): void {
        if (this.world.isPast(at)) {
            if (!isTerminal(job.status)) this.finish(job, at, end.status, end.report);
            return;
        }
        this.world.schedule(at, () => {
            if (!isTerminal(job.status)) this.finish(job, at, end.status, end.report);
        });
    }

    private finish(job: SimulatedJob, at: number, status: AutomationJobStatus, report: CycleReport): void {
        job.status = status;
        job.endedAt = at;
        job.report = report;
    }

    private lastFinishedCycle(): CycleRecord | null {
        const cycles = this.world.cycles;
        for (let i = cycles.length - 1; i >= 0; i--) {
            const cycle = cycles[i];
            if (cycle !== undefined && cycle.endedAt !== null) return { ...cycle };
        }
        return null;
    }

    private observe(job: SimulatedJob): JobObservation {
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
