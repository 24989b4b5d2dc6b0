import os from 'node:os';
import { performance } from 'node:perf_hooks';

import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryTargetStateStore,
    MemoryWakeScheduler,
    noTelemetry,
} from '../src/adapters/memory';
import { TableTargetStateStore } from '../src/adapters/tables/tableTargetStateStore';
import { createCoordinator } from '../src/app/coordinator';
import type { Target } from '../src/domain/target';
import type { RunSummary, TargetState } from '../src/domain/targetState';
import { DEFAULT_TIMING } from '../src/domain/timing';
import type { StoredTargetState, TargetStateStore } from '../src/ports/targetStateStore';
import { startAzuriteTables } from '../test/support/azurite';
import { NO_FAULTS, type SimRequest, simulate } from '../test/support/engineSimulation';
import { tableClient, uniqueTableName } from '../test/support/tables';

/*
 * The first engine benchmark: how many changes per second the coordinator accepts (group commit against a naive
 * one-load-one-save-per-change baseline), how many storage operations each change costs, and what a burst costs
 * in runs, wake-ups and Automation calls. Figures that depend on the machine are reported as ratios against a
 * baseline measured in the same run; counts are exact and machine-independent.
 */

export interface EngineBenchOptions {
    /** Small sizes, for the test that proves the bench still works. */
    readonly reduced?: boolean;
    /** Include the Table store on Azurite (default true). */
    readonly azurite?: boolean;
    /** Where progress lines go (default: nowhere). */
    readonly log?: (line: string) => void;
}

export interface ThroughputFigure {
    readonly store: 'memory' | 'azurite';
    readonly workers: number;
    readonly mode: 'groupCommit' | 'naive';
    readonly changes: number;
    readonly seconds: number;
    readonly changesPerSecond: number;
    /** Loads + saves (including saves that lost an ETag race) per accepted change. */
    readonly storageOpsPerChange: number;
    readonly conflicts: number;
    /** Calls that reached the store, counted by a wrapper (equals loads + saves unless something bypasses stats). */
    readonly storeCalls: number;
    /** Changes in the one open window afterwards: every accepted change was counted exactly once. */
    readonly windowChangeCount: number;
}

export interface BurstFigure {
    readonly name: string;
    readonly changes: number;
    readonly runs: number;
    readonly wakeUps: number;
    readonly automationCalls: number;
    /** Save attempts, including those that lost an ETag race to another instance. */
    readonly saves: number;
    readonly conflicts: number;
}

export interface EngineBenchReport {
    readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
    readonly throughput: readonly ThroughputFigure[];
    /** groupCommit / naive changes per second, per store and worker count. */
    readonly speedups: readonly { readonly store: string; readonly workers: number; readonly ratio: number }[];
    readonly bursts: readonly BurstFigure[];
}

const TARGET: Target = {
    targetId: 'bench',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    resourceGroup: 'rg-bench',
    automationAccount: 'aa-bench',
    runbook: 'Start-EntraSyncCycle',
    hybridWorkerGroup: 'entra-connect',
    timing: DEFAULT_TIMING,
};

/** Counts the calls that reach a store. */
class CountingStore implements TargetStateStore {
    calls = 0;
    constructor(private readonly inner: TargetStateStore) {}
    load(targetId: string): Promise<StoredTargetState | null> {
        this.calls++;
        return this.inner.load(targetId);
    }
    save(state: TargetState, etag: string | null): Promise<string> {
        this.calls++;
        return this.inner.save(state, etag);
    }
    putRun(run: RunSummary): Promise<void> {
        return this.inner.putRun(run);
    }
    getRun(targetId: string, seq: number): Promise<RunSummary | null> {
        return this.inner.getRun(targetId, seq);
    }
}

/**
 * Accepts `changes` single-change requests through `workers` coordinator instances sharing one store. Each worker
 * keeps `inFlight` requests going at once, as a Functions instance does with a batch of queue messages.
 */
async function measureThroughput(
    storeKind: 'memory' | 'azurite',
    makeStore: () => TargetStateStore,
    workers: number,
    mode: 'groupCommit' | 'naive',
    changes: number,
    inFlight: number,
): Promise<ThroughputFigure> {
    // Time stands still: the window stays open, so this measures intake alone (no run starts mid-measurement).
    const clock = new ManualClock();
    const wakes = new MemoryWakeScheduler();
    const jobs = new MemoryAutomationJobs(clock);
    const stores: CountingStore[] = [];
    const coordinators = Array.from({ length: workers }, () => {
        const store = new CountingStore(makeStore());
        stores.push(store);
        return createCoordinator({
            store,
            wakes,
            jobs,
            telemetry: noTelemetry,
            clock,
            targets: new Map([[TARGET.targetId, TARGET]]),
            maxSaveAttempts: 1_000,
            ...(mode === 'naive' ? { maxBatch: 1 } : {}),
        });
    });
    let next = 0;
    const started = performance.now();
    await Promise.all(
        coordinators.flatMap((coordinator, w) =>
            Array.from({ length: inFlight }, async () => {
                for (let i = next++; i < changes; i = next++) {
                    await coordinator.acceptChanges(TARGET.targetId, {
                        type: 'changesAccepted',
                        requestId: `w${w}-r${i}`,
                        correlationId: `c${i}`,
                        changeCount: 1,
                        urgentCount: 0,
                        policy: 'Delta',
                        kinds: { attribute: 1 },
                    });
                }
            }),
        ),
    );
    const seconds = (performance.now() - started) / 1000;
    const stats = coordinators.map((c) => c.stats());
    const ops = stats.reduce((sum, s) => sum + s.loads + s.saves, 0);
    const state = await coordinators[0]?.readState(TARGET.targetId);
    return {
        store: storeKind,
        workers,
        mode,
        changes,
        seconds,
        changesPerSecond: changes / seconds,
        storageOpsPerChange: ops / changes,
        conflicts: stats.reduce((sum, s) => sum + s.conflicts, 0),
        storeCalls: stores.reduce((sum, s) => sum + s.calls, 0),
        windowChangeCount: state?.window?.tally.changeCount ?? 0,
    };
}

function single(requestId: string, atMs: number): SimRequest {
    return { requestId, atMs, changeCount: 1, urgent: false, policy: 'Delta', duplicateAfterMs: [] };
}

/** Runs a burst through the simulated world (4 racing coordinators, no faults) until the target is idle. */
async function measureBurst(name: string, requests: SimRequest[]): Promise<BurstFigure> {
    const result = await simulate({
        seed: 1,
        timing: DEFAULT_TIMING,
        coordinators: 4,
        reconcilePeriodMs: 300_000,
        requests,
        plans: [{ pickupDelayMs: 5_000, durationMs: 60_000, report: { outcome: 'Succeeded', exportErrors: 0 } }],
        faults: NO_FAULTS,
        maxWakeLatenessMs: 0,
        maxYields: 0,
    });
    if (!result.drained) throw new Error(`burst ${name} did not drain`);
    return {
        name,
        changes: requests.reduce((sum, r) => sum + r.changeCount, 0),
        runs: result.runs.size,
        wakeUps: result.wakeScheduleCalls,
        automationCalls: result.automationCalls,
        saves: result.coordinatorStats.saves,
        conflicts: result.coordinatorStats.conflicts,
    };
}

/**
 * Runs the engine benchmark.
 * @param options - sizes and which stores
 */
export async function runEngineBench(options: EngineBenchOptions = {}): Promise<EngineBenchReport> {
    const log = options.log ?? (() => undefined);
    const reduced = options.reduced ?? false;
    const throughput: ThroughputFigure[] = [];
    const memoryChanges = reduced ? 2_000 : 100_000;
    const naiveMemoryChanges = reduced ? 1_000 : 20_000;
    for (const workers of [1, 4]) {
        for (const mode of ['naive', 'groupCommit'] as const) {
            const shared = new MemoryTargetStateStore();
            const n = mode === 'naive' ? naiveMemoryChanges : memoryChanges;
            const figure = await measureThroughput('memory', () => shared, workers, mode, n, 64);
            log(describe(figure));
            throughput.push(figure);
        }
    }
    if (options.azurite ?? true) {
        const azurite = await startAzuriteTables();
        try {
            const azuriteChanges = reduced ? 100 : 4_000;
            const naiveAzuriteChanges = reduced ? 50 : 1_000;
            for (const workers of [1, 4]) {
                for (const mode of ['naive', 'groupCommit'] as const) {
                    const tableName = uniqueTableName('bench');
                    await tableClient(azurite, tableName).createTable();
                    // One TableClient per worker: its own connection pool, like another Functions instance.
                    const makeStore = () => new TableTargetStateStore(tableClient(azurite, tableName));
                    const n = mode === 'naive' ? naiveAzuriteChanges : azuriteChanges;
                    const figure = await measureThroughput('azurite', makeStore, workers, mode, n, 64);
                    log(describe(figure));
                    throughput.push(figure);
                }
            }
        } finally {
            await azurite.stop();
        }
    }
    const speedups = [...new Set(throughput.map((f) => `${f.store}/${f.workers}`))].map((key) => {
        const [store = '', workers = '0'] = key.split('/');
        const of = (mode: string) =>
            throughput.find((f) => f.store === store && f.workers === Number(workers) && f.mode === mode);
        return {
            store,
            workers: Number(workers),
            ratio: (of('groupCommit')?.changesPerSecond ?? 0) / (of('naive')?.changesPerSecond ?? 1),
        };
    });

    const burstSize = reduced ? 1_000 : 10_000;
    const bursts: BurstFigure[] = [];
    // The baseline: the same moments with 10 changes. Wake-ups and Automation calls must not grow with volume.
    bursts.push(await measureBurst('10 changes within 1 s', spread(10, 1_000)));
    bursts.push(await measureBurst(`${burstSize} changes within 1 s`, spread(burstSize, 1_000)));
    bursts.push(await measureBurst(`${burstSize} changes within 60 s`, spread(burstSize, 60_000)));
    // A burst that lands while a cycle runs: one run for the first change, one trailing run for the burst.
    bursts.push(
        await measureBurst(`1 change, then ${burstSize} during its run`, [
            single('first', 0),
            ...spread(burstSize, 30_000).map((r) => ({ ...r, atMs: 30_000 + r.atMs })),
        ]),
    );
    for (const b of bursts)
        log(
            `burst ${b.name}: ${b.runs} run(s), ${b.wakeUps} wake-ups, ${b.automationCalls} Automation calls, ${b.saves} saves`,
        );

    return {
        machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
        throughput,
        speedups,
        bursts,
    };
}

/** `count` single-change requests evenly over `spanMs`. */
function spread(count: number, spanMs: number): SimRequest[] {
    return Array.from({ length: count }, (_, i) => single(`b${i}`, Math.floor((i * spanMs) / count)));
}

function describe(f: ThroughputFigure): string {
    return (
        `${f.store} ${f.workers} worker(s) ${f.mode}: ${Math.round(f.changesPerSecond)} changes/s ` +
        `(${f.changes} in ${f.seconds.toFixed(2)} s), ${f.storageOpsPerChange.toFixed(3)} storage ops/change, ` +
        `${f.conflicts} ETag conflicts`
    );
}

/**
 * Prints the report as a Markdown-friendly table.
 * @param report - what {@link runEngineBench} measured
 */
export function formatEngineReport(report: EngineBenchReport): string {
    const lines = [
        `Machine: ${report.machine.cpus} CPU(s), Node ${report.machine.node}, ${report.machine.platform}`,
        '',
        '| store | workers | mode | changes | changes/s | storage ops/change | ETag conflicts |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...report.throughput.map(
            (f) =>
                `| ${f.store} | ${f.workers} | ${f.mode} | ${f.changes} | ${Math.round(f.changesPerSecond)} | ` +
                `${f.storageOpsPerChange.toFixed(3)} | ${f.conflicts} |`,
        ),
        '',
        '| store | workers | group commit ÷ naive (changes/s) |',
        '| --- | --- | --- |',
        ...report.speedups.map((s) => `| ${s.store} | ${s.workers} | ${s.ratio.toFixed(1)}× |`),
        '',
        '| burst (4 instances) | changes | runs | wake-ups | Automation calls | ÷ 10-change baseline (wake-ups / calls) | save attempts | ETag conflicts |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...report.bursts.map((b) => {
            const base = report.bursts[0];
            const ratio = (a: number, c: number | undefined) => (c === undefined || c === 0 ? '–' : (a / c).toFixed(2));
            return (
                `| ${b.name} | ${b.changes} | ${b.runs} | ${b.wakeUps} | ${b.automationCalls} | ` +
                `${ratio(b.wakeUps, base?.wakeUps)} / ${ratio(b.automationCalls, base?.automationCalls)} | ${b.saves} | ${b.conflicts} |`
            );
        }),
    ];
    return lines.join('\n');
}

/**
 * `npm run bench -- engine [--reduced] [--no-azurite]`: prints the report as Markdown tables.
 * @param args - command-line flags
 */
export async function main(args: readonly string[]): Promise<void> {
    const report = await runEngineBench({
        reduced: args.includes('--reduced'),
        azurite: !args.includes('--no-azurite'),
        log: (line) => console.error(line),
    });
    console.log(`Command: npm run bench -- engine${args.length > 0 ? ` ${args.join(' ')}` : ''}\n`);
    console.log(formatEngineReport(report));
}
