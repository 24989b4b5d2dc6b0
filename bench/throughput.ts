import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { HttpRequest, InvocationContext } from '@azure/functions';

import { MemoryRequestStore, MemoryTargetStateStore, MemoryWakeScheduler, noTelemetry } from '../src/adapters/memory';
import { MemoryAutomationJobs } from '../src/adapters/memory/memoryAutomationJobs';
import { MemoryInvalidMessageSink } from '../src/adapters/memory/memoryInvalidMessageSink';
import { createCoordinator } from '../src/app/coordinator';
import { createServices, type ServiceOverrides, type Services } from '../src/composition/createServices';
import { type Config, type Env, loadConfig } from '../src/config/loadConfig';
import { DEFAULT_TIMING } from '../src/domain/timing';
import { type RunningAzurite, startAzurite } from '../src/local/azurite';
import { systemClock } from '../src/ports/clock';
import { silentLogger } from '../src/ports/logger';
import { createPostSyncRequestsHandler } from '../src/transports/http/postSyncRequests';
import { machineDescription } from './compare';
import type { BenchOutput } from './output';

const root = join(__dirname, '..');
const TARGET_ID = 'bench';
const TARGETS = JSON.stringify([
    {
        id: TARGET_ID,
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg-bench',
        automationAccount: 'aa-bench-01',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
    },
]);

/** One measured configuration of the HTTP intake. */
export interface IntakeFigure {
    readonly storage: 'memory' | 'azurite';
    readonly workers: number;
    readonly requests: number;
    readonly changesPerSecond: number;
    /** Changes the open window counted: must equal `requests` (one change each). */
    readonly counted: number;
    readonly failures: number;
}

function benchConfig(storage: RunningAzurite | null, suffix: string): Config {
    const env: Env = {
        SYNC_TARGETS: TARGETS,
        AUTOMATION_MODE: 'simulated',
        ...(storage === null
            ? {}
            : {
                  AzureWebJobsStorage: storage.connectionString,
                  STATE_TABLE_NAME: `benchstate${suffix}`,
                  REQUEST_TABLE_NAME: `benchrequests${suffix}`,
              }),
    };
    return loadConfig(env);
}

/**
 * `workers` service instances (as many Functions instances) behind the real POST handler, sharing one target:
 * in memory they share the stores; on Azurite each has its own Table clients on the same tables.
 */
async function intakeServices(storage: RunningAzurite | null, workers: number, suffix: string): Promise<Services[]> {
    const config = benchConfig(storage, suffix);
    const shared: ServiceOverrides =
        storage === null ? { store: new MemoryTargetStateStore(), requests: new MemoryRequestStore() } : {};
    const services = Array.from({ length: workers }, () =>
        createServices(config, {
            ...shared,
            clock: systemClock,
            wakes: new MemoryWakeScheduler(),
            jobs: new MemoryAutomationJobs(systemClock),
            telemetry: noTelemetry,
            invalidMessages: new MemoryInvalidMessageSink(),
            log: silentLogger,
        }),
    );
    for (const s of services) await s.start();
    return services;
}

function postRequest(changes: readonly object[]): HttpRequest {
    return new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/sync/requests',
        headers: { 'content-type': 'application/json' },
        body: { string: JSON.stringify({ changes }) },
    });
}

/**
 * Single-change requests through the real POST handler, `inFlight` at a time per worker.
 * @param storage - Azurite, or null for memory
 */
export async function measureIntake(
    storage: RunningAzurite | null,
    workers: number,
    requests: number,
    inFlight = 32,
): Promise<IntakeFigure> {
    const suffix = `${workers}x${Date.now().toString(36)}`;
    const services = await intakeServices(storage, workers, suffix);
    const handlers = services.map((s) => createPostSyncRequestsHandler(() => s));
    let next = 0;
    let failures = 0;
    const context = new InvocationContext({ logHandler: () => undefined });
    const lane = async (handler: (typeof handlers)[number]): Promise<void> => {
        for (let i = next++; i < requests; i = next++) {
            const response = await handler(postRequest([{ kind: 'attribute', upn: `user${i}@contoso.com` }]), context);
            if (response.status !== 202) failures++;
        }
    };
    const started = performance.now();
    await Promise.all(handlers.flatMap((h) => Array.from({ length: inFlight }, () => lane(h))));
    const seconds = (performance.now() - started) / 1000;
    const state = await services[0]?.coordinator.readState(TARGET_ID);
    return {
        storage: storage === null ? 'memory' : 'azurite',
        workers,
        requests,
        changesPerSecond: Math.round(requests / seconds),
        counted: state?.window?.tally.changeCount ?? 0,
        failures,
    };
}

function collect(): NodeJS.MemoryUsage {
    const gc: unknown = Reflect.get(globalThis, 'gc');
    if (typeof gc === 'function') {
        gc();
        gc();
    }
    return process.memoryUsage();
}

/** Heap after a million accepted changes, in MiB, measured after a full GC. */
export interface MemoryFigure {
    readonly path: string;
    readonly changes: number;
    readonly heapBeforeMiB: number;
    readonly heapAfterMiB: number;
    readonly rssAfterMiB: number;
    readonly gcExposed: boolean;
}

const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/**
 * A million changes through the coordinator (engine state only) and through the HTTP handler in bulk
 * requests (which also keeps every request in the in-memory request store, as Table storage would on disk).
 * @param changes - how many
 */
export async function measureMemory(changes: number): Promise<MemoryFigure[]> {
    const figures: MemoryFigure[] = [];
    const gcExposed = typeof Reflect.get(globalThis, 'gc') === 'function';
    {
        const before = collect();
        const target = {
            targetId: TARGET_ID,
            subscriptionId: '00000000-0000-0000-0000-000000000001',
            resourceGroup: 'rg',
            automationAccount: 'aa-bench-01',
            runbook: 'rb',
            hybridWorkerGroup: 'g',
            timing: DEFAULT_TIMING,
        };
        const coordinator = createCoordinator({
            store: new MemoryTargetStateStore(),
            wakes: new MemoryWakeScheduler(),
            jobs: new MemoryAutomationJobs(systemClock),
            telemetry: noTelemetry,
            clock: systemClock,
            targets: new Map([[TARGET_ID, target]]),
        });
        const chunk = 2_000;
        for (let sent = 0; sent < changes; sent += chunk) {
            await Promise.all(
                Array.from({ length: Math.min(chunk, changes - sent) }, (_, i) =>
                    coordinator.acceptChanges(TARGET_ID, {
                        type: 'changesAccepted',
                        requestId: `r${sent + i}`,
                        correlationId: 'c',
                        changeCount: 1,
                        urgentCount: 0,
                        policy: 'Delta',
                        kinds: { attribute: 1 },
                    }),
                ),
            );
        }
        const after = collect();
        const counted = (await coordinator.readState(TARGET_ID)).window?.tally.changeCount ?? 0;
        if (counted !== changes) throw new Error(`coordinator counted ${counted} of ${changes}`);
        figures.push({
            path: 'coordinator.acceptChanges, 1 change per request (engine state only)',
            changes,
            heapBeforeMiB: mib(before.heapUsed),
            heapAfterMiB: mib(after.heapUsed),
            rssAfterMiB: mib(after.rss),
            gcExposed,
        });
    }
    {
        const before = collect();
        const [services] = await intakeServices(null, 1, 'mem');
        if (services === undefined) throw new Error('no services');
        const handler = createPostSyncRequestsHandler(() => services);
        const context = new InvocationContext({ logHandler: () => undefined });
        const perRequest = 1_000;
        for (let sent = 0; sent < changes; sent += perRequest) {
            const batch = Array.from({ length: perRequest }, (_, i) => ({
                kind: 'attribute',
                upn: `user${sent + i}@contoso.com`,
            }));
            const response = await handler(postRequest(batch), context);
            if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
        }
        const after = collect();
        figures.push({
            path: `POST handler, ${perRequest.toLocaleString('en-US')} changes per request, memory stores`,
            changes,
            heapBeforeMiB: mib(before.heapUsed),
            heapAfterMiB: mib(after.heapUsed),
            rssAfterMiB: mib(after.rss),
            gcExposed,
        });
    }
    return figures;
}

/** Start-up cost of the built app in a fresh Node process, median of several runs. */
export interface ColdStartFigure {
    readonly variant: string;
    readonly medianMs: number;
    readonly runs: number;
    readonly sizeKiB: number | null;
}

function childTime(script: string): number {
    const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    const match = /^TIME (\d+(?:\.\d+)?)$/m.exec(result.stdout);
    if (match === null) throw new Error(`child failed: ${result.stderr.slice(0, 500)}`);
    return Number(match[1]);
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10;
}

function bundleWith(outfile: string, extraArgs: readonly string[]): void {
    // The deployed bundle's own script (package.json `build:bundle`), with the output moved; later flags win.
    const result = spawnSync('npm', ['run', '--silent', 'build:bundle', '--', `--outfile=${outfile}`, ...extraArgs], {
        cwd: root,
        encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`build:bundle failed: ${result.stderr.slice(0, 1000)}`);
}

/**
 * Builds the app with tsc into .local/bench-build and with `npm run build:bundle` (the deployed `dist/index.js`,
 * every npm dependency inside; and once with applicationinsights and OpenTelemetry left in node_modules), and
 * times `require` of each in fresh processes: what a cold Functions worker does before the first invocation.
 * @param runs - processes per variant
 */
export function measureColdStart(runs: number): ColdStartFigure[] {
    const out = join(root, '.local', 'bench-build');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const tsc = spawnSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
        { cwd: root, encoding: 'utf8' },
    );
    if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout.slice(0, 1000)}`);
    const entry = join(out, 'src', 'index.js');
    const bundle = join(out, 'bundle.js');
    bundleWith(bundle, []);
    const partial = join(out, 'bundle-external-telemetry.js');
    bundleWith(partial, [
        '--external:applicationinsights',
        '--external:@opentelemetry/*',
        '--external:@azure/monitor-opentelemetry*',
    ]);
    const timed = (requires: string) =>
        `const t=performance.now();${requires};process.stdout.write('TIME '+(performance.now()-t)+'\\n');`;
    const variants: [string, string, number | null][] = [
        ['tsc output (src/index.js → functions/*.js, node_modules)', timed(`require(${JSON.stringify(entry)})`), null],
        [
            'esbuild bundle, applicationinsights + OpenTelemetry external',
            timed(`require(${JSON.stringify(partial)})`),
            statSync(partial).size,
        ],
        [
            'esbuild bundle, everything inside (npm run build:bundle)',
            timed(`require(${JSON.stringify(bundle)})`),
            statSync(bundle).size,
        ],
    ];
    const figures: ColdStartFigure[] = [];
    for (const [variant, script, size] of variants) {
        const times = Array.from({ length: runs }, () => childTime(script));
        figures.push({
            variant,
            medianMs: median(times),
            runs,
            sizeKiB: size === null ? null : Math.round(size / 1024),
        });
    }
    return figures;
}

/**
 * `npm run bench -- throughput [--reduced] [--no-azurite] [--no-memory] [--no-cold-start]`.
 * Run with `node --expose-gc` (the npm script's tsx passes it on) for exact heap figures.
 * @param args - arguments after `throughput`
 * @param output - where the results go (bench/results only under `npm run bench`)
 */
export async function main(args: readonly string[], output: BenchOutput): Promise<void> {
    const reduced = args.includes('--reduced');
    const result: Record<string, unknown> = { machine: machineDescription(), reduced };
    const intake: IntakeFigure[] = [];
    const memoryRequests = reduced ? 2_000 : 20_000;
    for (const workers of [1, 4]) intake.push(await measureIntake(null, workers, memoryRequests));
    if (!args.includes('--no-azurite')) {
        const location = join(root, '.local', 'bench-azurite');
        rmSync(location, { recursive: true, force: true });
        const azurite = await startAzurite({ location });
        try {
            for (const workers of [1, 4]) intake.push(await measureIntake(azurite, workers, reduced ? 200 : 2_000));
        } finally {
            await azurite.stop();
            rmSync(location, { recursive: true, force: true });
        }
    }
    result.intake = intake;
    console.log('| Storage | Workers | Requests (1 change each) | Changes/s | Counted | Failures |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const f of intake) {
        console.log(
            `| ${f.storage} | ${f.workers} | ${f.requests} | ${f.changesPerSecond} | ${f.counted} | ${f.failures} |`,
        );
    }
    if (!args.includes('--no-memory')) {
        const memory = await measureMemory(reduced ? 50_000 : 1_000_000);
        result.memory = memory;
        console.log('\n| Path | Changes | Heap before (MiB) | Heap after GC (MiB) | RSS (MiB) |');
        console.log('|---|---:|---:|---:|---:|');
        for (const m of memory) {
            console.log(
                `| ${m.path} | ${m.changes.toLocaleString('en-US')} | ${m.heapBeforeMiB} | ${m.heapAfterMiB} | ${m.rssAfterMiB} |`,
            );
        }
        if (!memory.every((m) => m.gcExposed)) console.log('(gc not exposed: run with --expose-gc for exact heap)');
    }
    if (!args.includes('--no-cold-start')) {
        const cold = measureColdStart(reduced ? 3 : 9);
        result.coldStart = cold;
        console.log('\n| Build | Median require time (ms) | Runs | Size (KiB) |');
        console.log('|---|---:|---:|---:|');
        for (const c of cold) console.log(`| ${c.variant} | ${c.medianMs} | ${c.runs} | ${c.sizeKiB ?? '—'} |`);
    }
    if (!reduced) {
        mkdirSync(output.resultsDir, { recursive: true });
        const path = join(output.resultsDir, 'throughput.json');
        writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
        console.log(`\nWrote ${path}`);
    }
}
