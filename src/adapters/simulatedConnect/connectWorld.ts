import type { CycleReport } from '../../domain/cycleOutcome';
import type { SyncPolicy } from '../../domain/policy';
import type { SyncJobParameters } from '../../ports/automationJobs';
import { EventQueue } from './eventQueue';
import type { ServerReading } from './runbook';
import type { CycleHistory, RunRecord } from './runbookResult';

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

/** What a cycle will be, decided by the owner of the world when it starts. */
export interface CyclePlan {
    readonly durationMs: number;
    readonly changesImported: number;
    readonly exportErrors: number;
}

/**
 * How fast a cycle runs: `drawn` from the server's duration jitter, or `fastest` (as fast as the jitter allows: the
 * comparison bench's physical floor).
 */
export type CyclePace = 'drawn' | 'fastest';

/** A runbook job on the server: what every runbook program needs of it. */
export interface RunbookJob {
    readonly jobName: string;
    readonly parameters: SyncJobParameters;
    readonly createdAt: number;
    /** Set once the runbook has ended or was stopped: nothing it planned happens any more. */
    done: boolean;
}

/** How a runbook ended, as Automation tells it: the job's status, its report, and its output. */
export interface RunbookEnd {
    readonly status: 'Completed' | 'Failed';
    readonly report: CycleReport;
    /** The job's output (the result line), or null when it wrote none. */
    readonly output: string | null;
}

/** Counters for benchmarks, tests and the local status output. */
export interface RunbookCounters {
    /** `Start-ADSyncSyncCycle` calls refused with "Sync is already running". */
    busyErrors: number;
    /** Runbooks that found a cycle running and waited for it (no error). */
    busyWaits: number;
    /** Scheduler ticks that found a cycle running and skipped. */
    schedulerSkips: number;
}

/** What a runbook program can see and do on the server. */
export interface ServerControl<J extends RunbookJob> {
    readonly counters: RunbookCounters;
    /** The server as a runbook reads it at `at` (now). */
    reading(at: number): ServerReading;
    running(): CycleRecord | null;
    /** The cycle started last, running or not. */
    latestCycle(): CycleRecord | undefined;
    startCycle(at: number, policy: SyncPolicy, starter: J | null, pace?: CyclePace): CycleRecord;
    /** Runs `action` at `at` (not before now). */
    schedule(at: number, action: (at: number) => void): void;
    /** The runbook of `job` ends at `at` (now or later) as `end` says. */
    endRunbook(job: J, at: number, end: RunbookEnd): void;
    /** Hears every cycle's end, after the server is free. */
    onCycleEnd(listener: (cycle: CycleRecord, at: number) => void): void;
}

/** A runbook: what it does on the server once the worker picks its job up. */
export interface RunbookProgram<J extends RunbookJob> {
    /** Picked up at the worker's next poll with no start-up delay (the bench's physical floor). */
    readonly startsWithoutDelay?: boolean;
    begin(job: J, at: number): void;
}

export interface ConnectWorldOptions<J extends RunbookJob> {
    /** Where its time begins; default: before anything. */
    readonly start?: number;
    /** The built-in scheduler's period; 0: no scheduler. */
    readonly schedulerIntervalMs: number;
    /** Its first tick; ignored without a scheduler. */
    readonly schedulerFirstAt: number;
    readonly schedulerSuspended: boolean;
    readonly stagingMode: boolean;
    planCycle(policy: SyncPolicy, starter: J | null, pace: CyclePace): CyclePlan;
    /** A runbook ended, or will end at `at`: its job's status follows. */
    onRunbookEnd(job: J, at: number, end: RunbookEnd): void;
}

const AD_CONNECTOR = 'contoso.local';
const AAD_CONNECTOR = 'contoso.onmicrosoft.com - AAD';

/**
 * A simulated Entra Connect server as discrete events: one sync cycle at a time, its built-in scheduler, the run
 * history, and the runbooks running on it. Time moves only through {@link advanceTo}; equal times play in the order
 * they were scheduled, so the same inputs replay the same history. The simulated Connect server (connectServer.ts)
 * puts Automation and the Hybrid Worker in front of it; the memory jobs and the tests' Automation fake replay their
 * jobs on it (runbookTimeline.ts).
 */
export class ConnectWorld<J extends RunbookJob> implements ServerControl<J> {
    readonly counters: RunbookCounters = { busyErrors: 0, busyWaits: 0, schedulerSkips: 0 };
    private readonly queue = new EventQueue<(at: number) => void>();
    private readonly log: CycleRecord[] = [];
    /** When each cycle (by index) ends or ended, for its run history. */
    private readonly endsAt: number[] = [];
    private readonly listeners: ((cycle: CycleRecord, at: number) => void)[] = [];
    private current: CycleRecord | null = null;
    private nextTickAt: number | null = null;
    private time: number;
    stagingMode: boolean;

    constructor(private readonly options: ConnectWorldOptions<J>) {
        this.stagingMode = options.stagingMode;
        this.time = options.start ?? Number.NEGATIVE_INFINITY;
        if (options.schedulerIntervalMs > 0) {
            this.nextTickAt = options.schedulerFirstAt;
            this.schedule(options.schedulerFirstAt, (at) => this.schedulerTick(at));
        }
    }

    /** Every cycle so far, oldest first (the records themselves). */
    get cycles(): readonly CycleRecord[] {
        return this.log;
    }

    get nextSchedulerCycleAt(): number | null {
        return this.nextTickAt;
    }

    /** How far the world has played. */
    get now(): number {
        return this.time;
    }

    /** When the world next does something by itself, or null. */
    nextEventAt(): number | null {
        return this.queue.peekAt();
    }

    /** Plays every event due at or before `at`. */
    advanceTo(at: number): void {
        for (let next = this.queue.popDue(at); next !== null; next = this.queue.popDue(at)) {
            this.time = Math.max(this.time, next.at);
            next.item(next.at);
        }
        this.time = Math.max(this.time, at);
    }

    schedule(at: number, action: (at: number) => void): void {
        this.queue.push(at, action);
    }

    running(): CycleRecord | null {
        return this.current;
    }

    latestCycle(): CycleRecord | undefined {
        return this.log.at(-1);
    }

    onCycleEnd(listener: (cycle: CycleRecord, at: number) => void): void {
        this.listeners.push(listener);
    }

    reading(at: number): ServerReading {
        const running = this.current;
        return {
            stagingMode: this.stagingMode,
            schedulerSuspended: this.options.schedulerSuspended,
            running:
                running === null
                    ? null
                    : { id: running.id, startedAt: running.importStartedAt, endsAt: this.endsAt[running.id - 1] ?? at },
            history: (cycleId) => this.history(cycleId, at),
        };
    }

    /**
     * Starts a cycle now.
     * @param at - now
     * @param policy - Delta or Initial
     * @param starter - the job whose runbook started it, null for the scheduler
     * @param pace - how fast it runs
     */
    startCycle(at: number, policy: SyncPolicy, starter: J | null, pace: CyclePace = 'drawn'): CycleRecord {
        const plan = this.options.planCycle(policy, starter, pace);
        const cycle: CycleRecord = {
            id: this.log.length + 1,
            trigger: starter === null ? 'scheduler' : 'job',
            jobName: starter?.jobName ?? null,
            policy,
            importStartedAt: at,
            endedAt: null,
            changesImported: plan.changesImported,
            exported: !this.stagingMode,
            exportErrors: plan.exportErrors,
        };
        this.log.push(cycle);
        this.endsAt.push(at + plan.durationMs);
        this.current = cycle;
        this.schedule(at + plan.durationMs, (end) => this.cycleEnd(end, cycle));
        return cycle;
    }

    endRunbook(job: J, at: number, end: RunbookEnd): void {
        job.done = true;
        this.options.onRunbookEnd(job, Math.max(at, this.time), end);
    }

    /** Whether `at` is now or past, as far as the world has played. */
    isPast(at: number): boolean {
        return at <= this.time;
    }

    private cycleEnd(at: number, cycle: CycleRecord): void {
        if (cycle.endedAt !== null) return;
        cycle.endedAt = at;
        if (this.current?.id === cycle.id) this.current = null;
        for (const listener of this.listeners) listener(cycle, at);
    }

    private schedulerTick(at: number): void {
        const next = at + this.options.schedulerIntervalMs;
        this.nextTickAt = next;
        this.schedule(next, (tick) => this.schedulerTick(tick));
        if (this.options.schedulerSuspended) return;
        if (this.current !== null) {
            // The real scheduler does not queue a cycle behind a running one; it tries again next interval.
            this.counters.schedulerSkips++;
            return;
        }
        this.startCycle(at, 'Delta', null);
    }

    /** The run history of one cycle as of `at`: its runs that started by then, the unfinished ones without end. */
    private history(cycleId: number, at: number): CycleHistory {
        const cycle = this.log[cycleId - 1];
        const endsAt = this.endsAt[cycleId - 1];
        if (cycle === undefined || endsAt === undefined) return { runs: [] };
        const runs = cycleRuns(cycle, cycle.endedAt ?? endsAt)
            .filter((run) => run.startedAt <= at)
            .map((run) => (run.endedAt !== null && run.endedAt <= at ? run : { ...run, endedAt: null }));
        return { runs };
    }
}

/**
 * A cycle's runs: import, then synchronization on the AD connector, then export to Entra ID (none on a staging
 * server), each a third of the cycle. The import starts with the cycle, so its start is the cycle's import start.
 */
function cycleRuns(cycle: CycleRecord, endsAt: number): RunRecord[] {
    const initial = cycle.policy === 'Initial';
    const duration = endsAt - cycle.importStartedAt;
    const boundary = (third: number): number => cycle.importStartedAt + Math.round((duration * third) / 3);
    const run = (connector: string, runProfile: string, third: number, updates: number): RunRecord => ({
        connector,
        runProfile,
        result: 'success',
        startedAt: boundary(third),
        endedAt: boundary(third + 1),
        adds: 0,
        updates,
        deletes: 0,
        errors: 0,
        exportErrors: 0,
    });
    const imported = cycle.changesImported;
    const runs = [
        run(AD_CONNECTOR, initial ? 'Full Import' : 'Delta Import', 0, imported),
        run(AD_CONNECTOR, initial ? 'Full Synchronization' : 'Delta Synchronization', 1, imported),
    ];
    if (!cycle.exported) return runs;
    const errors = cycle.exportErrors;
    const exported = run(AAD_CONNECTOR, 'Export', 2, Math.max(0, imported - errors));
    return [
        ...runs,
        errors > 0 ? { ...exported, result: 'completed-export-errors', errors, exportErrors: errors } : exported,
    ];
}
