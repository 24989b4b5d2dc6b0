import type { CycleRecord, RunbookFactory, SimulatedJob } from '../src/adapters/simulatedConnect/connectServer';
import type { RunbookEnd, ServerControl } from '../src/adapters/simulatedConnect/connectWorld';
import type { CycleReport } from '../src/domain/cycleOutcome';

/**
 * The comparison's other runbooks, run by the simulated Connect server under their runbook names. None of them is
 * this project's (infra/runbooks/Start-EntraSyncCycle.ps1, modelled in src/adapters/simulatedConnect/runbook.ts):
 * - `retryOnBusy`: the usual script: `Start-ADSyncSyncCycle`, and on "busy" retry `attempts` times `intervalMs` apart
 *   (DLConversionV2: 10 × 30 s); returns as soon as the cycle has started.
 * - `skipIfRecent`: the Laparoscope guard: do nothing when a cycle started within `withinMs`, else start one.
 * - `startWhenFree`: the physical floor of the comparison, not a real runbook. Picked up at the worker's next poll
 *   with no start-up delay, it starts a cycle the instant the server is free (no poll of its own, no retries) that
 *   runs as fast as the duration jitter allows, and none at all when a cycle that started after the job was created
 *   is already there to cover it (a second cycle would only hold up the next change). Best-case physics, so that no
 *   strategy beats it by the luck of a draw.
 */
export type BenchRunbook =
    | { readonly kind: 'retryOnBusy'; readonly attempts: number; readonly intervalMs: number }
    | { readonly kind: 'skipIfRecent'; readonly withinMs: number }
    | { readonly kind: 'startWhenFree' };

/**
 * The program of each bench runbook, for the simulated Connect server's `runbooks`.
 * @param runbooks - the bench runbooks by runbook name
 * @param resultCollectionMs - the server's time to collect results and write a line after a cycle
 */
export function benchRunbookFactories(
    runbooks: Readonly<Record<string, BenchRunbook>>,
    resultCollectionMs: number,
): Record<string, RunbookFactory> {
    return Object.fromEntries(
        Object.entries(runbooks).map(([name, runbook]) => [name, factoryOf(runbook, resultCollectionMs)]),
    );
}

function factoryOf(runbook: BenchRunbook, collectMs: number): RunbookFactory {
    switch (runbook.kind) {
        case 'retryOnBusy':
            return (server) => ({
                begin: (job, at) => startScript(server, job, at, runbook.attempts, runbook.intervalMs, collectMs),
            });
        case 'skipIfRecent':
            return (server) => ({
                begin: (job, at) => {
                    const latest = server.latestCycle();
                    if (latest !== undefined && at - latest.importStartedAt < runbook.withinMs) {
                        const report: CycleReport = {
                            outcome: 'Succeeded',
                            exportErrors: 0,
                            reason: 'Skipped: a cycle started recently',
                        };
                        server.endRunbook(job, at + collectMs, completed(report));
                        return;
                    }
                    startScript(server, job, at, 0, 0, collectMs);
                },
            });
        case 'startWhenFree':
            return (server) => new PhysicalFloor(server, collectMs);
    }
}

/**
 * `Start-ADSyncSyncCycle`, which refuses while a cycle runs: the script's job ends once the cycle has started, or
 * after its retries as BusyTimeout.
 */
function startScript(
    server: ServerControl<SimulatedJob>,
    job: SimulatedJob,
    at: number,
    attemptsLeft: number,
    intervalMs: number,
    collectMs: number,
): void {
    if (job.done) return;
    if (server.running() === null) {
        const cycle = server.startCycle(at, job.policy, job);
        const report: CycleReport = {
            outcome: 'Succeeded',
            exportErrors: 0,
            reason: 'Cycle started',
            cycleStartedAt: cycle.importStartedAt,
        };
        server.endRunbook(job, at + collectMs, completed(report));
        return;
    }
    server.counters.busyErrors++;
    if (attemptsLeft - 1 > 0) {
        server.schedule(at + intervalMs, (retryAt) =>
            startScript(server, job, retryAt, attemptsLeft - 1, intervalMs, collectMs),
        );
        return;
    }
    const report: CycleReport = { outcome: 'BusyTimeout', exportErrors: 0, reason: 'Sync is already running' };
    server.endRunbook(job, at, { status: 'Failed', report, output: null });
}

/** The floor: covered already, or start now, or wait for the instant the running cycle ends. */
class PhysicalFloor {
    readonly startsWithoutDelay = true;
    /** Jobs whose cycle's end ends them. */
    private readonly owners = new Map<number, SimulatedJob>();
    /** Jobs waiting for the server, oldest first. */
    private readonly waiters: SimulatedJob[] = [];
    /** Jobs covered by a cycle someone else started: they end with it. */
    private readonly followers = new Map<number, SimulatedJob[]>();

    constructor(
        private readonly server: ServerControl<SimulatedJob>,
        private readonly collectMs: number,
    ) {
        server.onCycleEnd((cycle, at) => this.cycleEnded(cycle, at));
    }

    begin(job: SimulatedJob, at: number): void {
        const latest = this.server.latestCycle();
        // Strictly after: a cycle whose import started at the very instant of the change may not have read it.
        if (latest !== undefined && latest.importStartedAt > job.createdAt) {
            this.follow(at, job, latest);
        } else if (this.server.running() === null) {
            this.own(at, job);
        } else {
            this.waiters.push(job);
            this.server.counters.busyWaits++;
        }
    }

    /** Starts the job's own cycle; as in the runbook, TimeoutSeconds counts from that cycle's start. */
    private own(at: number, job: SimulatedJob): CycleRecord {
        this.server.schedule(at + job.parameters.TimeoutSeconds * 1000, (timeoutAt) => {
            if (job.done) return;
            const reason = 'The sync cycle did not finish within the runbook timeout';
            this.server.endRunbook(job, timeoutAt, completed({ outcome: 'TimedOut', exportErrors: 0, reason }));
        });
        const cycle = this.server.startCycle(at, job.policy, job, 'fastest');
        this.owners.set(cycle.id, job);
        return cycle;
    }

    private follow(at: number, job: SimulatedJob, cycle: CycleRecord): void {
        if (cycle.endedAt !== null) {
            this.server.endRunbook(job, Math.max(at, cycle.endedAt) + this.collectMs, completed(floorReport(cycle)));
            return;
        }
        const list = this.followers.get(cycle.id) ?? [];
        list.push(job);
        this.followers.set(cycle.id, list);
    }

    private cycleEnded(cycle: CycleRecord, at: number): void {
        const ended = [this.owners.get(cycle.id), ...(this.followers.get(cycle.id) ?? [])];
        this.owners.delete(cycle.id);
        this.followers.delete(cycle.id);
        for (const job of ended) {
            if (job !== undefined && !job.done)
                this.server.endRunbook(job, at + this.collectMs, completed(floorReport(cycle)));
        }
        // The waiters start the instant the server is free: the first starts a cycle that covers them all.
        const [first, ...rest] = this.waiters.splice(0);
        if (first === undefined) return;
        const next = this.own(at, first);
        for (const job of rest) this.follow(at, job, next);
    }
}

/** What the floor's job reports: the cycle it ran or followed, as it ended. */
function floorReport(cycle: CycleRecord): CycleReport {
    return {
        outcome: cycle.exportErrors > 0 ? 'CompletedWithExportErrors' : 'Succeeded',
        exportErrors: cycle.exportErrors,
        cycleStartedAt: cycle.importStartedAt,
        importStartedAt: cycle.importStartedAt,
        ...(cycle.endedAt === null ? {} : { cycleEndedAt: cycle.endedAt }),
    };
}

function completed(report: CycleReport): RunbookEnd {
    return { status: 'Completed', report, output: null };
}
