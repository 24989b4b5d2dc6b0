import type { SyncJobParameters } from '../../ports/automationJobs';
import { ConnectWorld, type RunbookEnd, type RunbookJob } from './connectWorld';
import { ProjectRunbook } from './projectRunbook';
import { bindRunbookParameters, type RunbookSettings } from './runbook';

/** One job of a scripted Connect server: when its runbook begins, how long its cycle runs, when it is stopped. */
export interface TimelineJob {
    readonly jobName: string;
    readonly parameters: SyncJobParameters;
    readonly createdAt: number;
    /** When the runbook begins (pickup and activation); null when it never does (the job stays queued). */
    readonly beginsAt: number | null;
    /** Once begun it hangs (a stuck job): it never reads the server and never starts a cycle. */
    readonly hangs: boolean;
    /** How long its cycle runs. */
    readonly cycleMs: number;
    /** From the end its runbook saw to its line. */
    readonly resultCollectionMs: number;
    /** A stop: requested at, and ended the job (and a cycle it runs) at; null when it is not stopped. */
    readonly stop: { readonly requestedAt: number; readonly endsAt: number } | null;
}

/** A job's life as known from every job of the server. */
export interface TimelineLife {
    /** When its runbook began; null when it never did. */
    readonly runbookStartedAt: number | null;
    /** When its cycle held the server; null when it never started one (or a stop cut it to nothing). */
    readonly cycle: { readonly startedAt: number; readonly endedAt: number } | null;
    /** When the job ended (its line, or its stop); Infinity while nothing known ends it. */
    readonly endedAt: number;
    /** A stop ended it: it was requested before the job ended by itself. */
    readonly stopped: boolean;
    /** How its runbook ended by itself; null when stopped first or never ended. */
    readonly end: RunbookEnd | null;
}

/** The runbook of the scripted servers: it reads continuously and waits as long as it takes. */
const SCRIPTED_RUNBOOK: Omit<RunbookSettings, 'resultCollectionMs'> = {
    pollMs: 0,
    busyWaitMs: Number.POSITIVE_INFINITY,
    busyRetryCount: 5,
    busyRetryMs: 30_000,
};

interface PlayedJob extends RunbookJob {
    readonly script: TimelineJob;
    begunAt: number | null;
    /** Its cycle's index in the world's cycles, once it started one. */
    cycleIndex: number | null;
    naturalEnd: { readonly at: number; readonly end: RunbookEnd } | null;
}

/**
 * Plays this project's runbook (runbook.ts) for every job of one Connect server, given when each is picked up, how
 * long its cycle runs and when it is stopped, to the end: the memory jobs and the tests' Automation fake answer
 * from it. Its runbook is the ideal one: it reads the server continuously (PollSeconds 0: a waiting job starts the
 * instant the cycle ahead ends, and a job sees its own end the instant it happens) and leaves timeouts to the
 * engine (no BusyTimeout, no TimedOut); the jobs' scripts say how they end. A stop ends the cycle its job runs
 * too, as Stop-ADSyncSyncCycle would. There is no scheduler.
 * @param jobs - the server's jobs, in the order they were created
 */
export function playRunbooks(jobs: readonly TimelineJob[]): TimelineLife[] {
    const world: ConnectWorld<PlayedJob> = new ConnectWorld<PlayedJob>({
        schedulerIntervalMs: 0,
        schedulerFirstAt: 0,
        schedulerSuspended: false,
        stagingMode: false,
        planCycle: (_policy, starter) => {
            if (starter !== null) starter.cycleIndex = world.cycles.length;
            return { durationMs: cycleLength(starter?.script, world.now), changesImported: 0, exportErrors: 0 };
        },
        onRunbookEnd: (job, at, end) => {
            job.naturalEnd = { at, end };
        },
    });
    const runbook = new ProjectRunbook<PlayedJob>(world, {
        settingsOf: (job) => ({ ...SCRIPTED_RUNBOOK, resultCollectionMs: job.script.resultCollectionMs }),
        bind: (job) => {
            const bound = bindRunbookParameters(job.parameters);
            return 'refused' in bound ? bound : { ...bound, timeoutMs: Number.POSITIVE_INFINITY };
        },
    });
    const played = jobs.map((script): PlayedJob => ({
        jobName: script.jobName,
        parameters: script.parameters,
        createdAt: script.createdAt,
        done: false,
        script,
        begunAt: null,
        cycleIndex: null,
        naturalEnd: null,
    }));
    // Pickups first, then stops: a stop requested at the very moment of pickup finds the runbook begun.
    for (const job of played) scheduleBegin(world, runbook, job);
    for (const job of played) scheduleStop(world, job);
    world.advanceTo(Number.POSITIVE_INFINITY);
    return played.map((job) => lifeOf(world, job));
}

function scheduleBegin(world: ConnectWorld<PlayedJob>, runbook: ProjectRunbook<PlayedJob>, job: PlayedJob): void {
    const { beginsAt, stop, hangs } = job.script;
    if (beginsAt === null || (stop !== null && stop.requestedAt < beginsAt)) return;
    world.schedule(beginsAt, (at) => {
        job.begunAt = at;
        if (!hangs && !job.done) runbook.begin(job, at);
    });
}

function scheduleStop(world: ConnectWorld<PlayedJob>, job: PlayedJob): void {
    const stop = job.script.stop;
    if (stop === null) return;
    world.schedule(stop.endsAt, () => {
        job.done = true;
    });
}

/** How long a job's cycle runs when it starts at `at`: its script's length, cut by a stop taking effect then. */
function cycleLength(script: TimelineJob | undefined, at: number): number {
    if (script === undefined) return 0;
    const stopAt = script.stop?.endsAt ?? Number.POSITIVE_INFINITY;
    return Math.max(0, Math.min(script.cycleMs, stopAt - at));
}

function lifeOf(world: ConnectWorld<PlayedJob>, job: PlayedJob): TimelineLife {
    const { stop, hangs } = job.script;
    const record = job.cycleIndex === null ? undefined : world.cycles[job.cycleIndex];
    const cycle =
        record !== undefined && record.endedAt !== null && record.endedAt > record.importStartedAt
            ? { startedAt: record.importStartedAt, endedAt: record.endedAt }
            : null;
    const natural = job.naturalEnd;
    const stoppedFirst = stop !== null && (natural === null || stop.requestedAt < natural.at);
    if (stoppedFirst) return { runbookStartedAt: job.begunAt, cycle, endedAt: stop.endsAt, stopped: true, end: null };
    return {
        runbookStartedAt: job.begunAt,
        cycle,
        endedAt: natural?.at ?? Number.POSITIVE_INFINITY,
        // A hung job runs until it is stopped.
        stopped: hangs,
        end: natural?.end ?? null,
    };
}
