import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

import { z } from 'zod';

import { FUNCTIONS } from '../../functions/index';
import { createAppInsightsTelemetry } from '../adapters/appInsights/createAppInsightsTelemetry';
import { noTelemetry } from '../adapters/memory';
import { MemoryInvalidMessageSink } from '../adapters/memory/memoryInvalidMessageSink';
import type { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import { setServiceOverrides } from '../composition/runtime';
import { type Config, loadConfig } from '../config/loadConfig';
import { PLATFORM_VARIABLES, settingDefault } from '../config/settings';
import { simulatedConnectOptionsFromEnv } from '../config/simulatedConnectSettings';
import type { Logger } from '../ports/logger';
import type { Telemetry } from '../ports/telemetry';
import type { FunctionRegistration } from '../transports/functionRegistration';
import { startAzurite } from './azurite';
import { httpRoutes, serveFunction } from './httpHost';
import { localEndpoints } from './localEndpoints';
import { LocalQueue, queueWakeScheduler } from './localQueue';
import { ScaledClock } from './scaledClock';
import { openSimulation } from './simulationJournal';
import { timelineTelemetry } from './timeline';
import { startTriggers } from './triggers';

/** Where `npm start` keeps its state: Azurite's tables (and nothing else). */
type LocalStorageMode = 'azurite' | 'memory' | 'external';

export interface LocalHostOptions {
    /** The repository root (host.json). */
    readonly root: string;
    /** 0 picks a free port. */
    readonly port: number;
    readonly hostname: string;
    /** Merged settings: built-in defaults, local.settings.json, environment. */
    readonly settings: Readonly<Record<string, string>>;
    readonly storage: LocalStorageMode;
    /** Azurite's data folder (`.local/azurite`): a restart keeps the state. */
    readonly azuriteLocation: string;
    /**
     * The simulated Connect server's journal (`.local/simulated-connect.jsonl`): a restart replays it, so the jobs
     * the engine started are still there. Null: the simulation starts afresh each time (in-memory storage).
     */
    readonly simulationJournal: string | null;
    /** 1 = real time; 20 = twenty times faster (demos). */
    readonly timeScale: number;
    readonly log: Logger;
}

/** A running local host. */
export interface LocalHost {
    readonly url: string;
    readonly port: number;
    readonly config: Config;
    /** The registrations it serves: functions/index.ts, the list src/index.ts registers in Azure. */
    readonly functions: readonly FunctionRegistration[];
    readonly simulation: SimulatedConnectServer | null;
    readonly clock: ScaledClock;
    readonly queues: ReadonlyMap<string, LocalQueue>;
    /** Closes HTTP, stops timers and queues, stops Azurite. Safe to call twice. */
    stop(): Promise<void>;
}

const hostJsonSchema = z.object({
    extensions: z
        .object({
            http: z.object({ routePrefix: z.string().optional() }).optional(),
            serviceBus: z.object({ maxMessageBatchSize: z.number().int().positive().optional() }).optional(),
        })
        .optional(),
});

/** What the local host takes from host.json, with the host's defaults. */
function readHostJson(root: string): { routePrefix: string; maxBatch: number } {
    const hostJson = hostJsonSchema.parse(JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')));
    return {
        routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
        maxBatch: hostJson.extensions?.serviceBus?.maxMessageBatchSize ?? 100,
    };
}

/** `%NAME%` in binding options refers to an app setting, as in the host. */
function resolveSetting(value: string, settings: Readonly<Record<string, string>>): string {
    return value.replace(/%([^%]+)%/g, (_, name: string) => {
        // Like the host, bindings read app settings; the schema's defaults stand in for what infra would set.
        const resolved = settings[name] ?? settingDefault(name);
        if (resolved === undefined) throw new Error(`App setting ${name} is not set (used by a binding)`);
        return resolved;
    });
}

/** Shutdown steps, run last-added first; a failing step is logged and the others still run. */
class Cleanups {
    private readonly steps: (() => Promise<void> | void)[] = [];

    constructor(private readonly log: Logger) {}

    add(step: () => Promise<void> | void): void {
        this.steps.push(step);
    }

    async run(): Promise<void> {
        for (const step of this.steps.splice(0).reverse()) {
            try {
                await step();
            } catch (e) {
                this.log.warn(`Shutdown step failed: ${e instanceof Error ? e.message : String(e)}`);
            }
        }
    }
}

/**
 * The settings the functions run with, in process.env as under the real host: Azurite's connection string when
 * it is started here, no storage at all for `memory` (in-memory stores).
 */
async function prepareStorage(options: LocalHostOptions, cleanups: Cleanups): Promise<Record<string, string>> {
    const settings: Record<string, string> = { ...options.settings };
    if (options.storage === 'azurite') {
        const azurite = await startAzurite({ location: options.azuriteLocation });
        cleanups.add(() => azurite.stop());
        settings.AzureWebJobsStorage = azurite.connectionString;
    } else if (options.storage === 'memory') {
        delete settings.AzureWebJobsStorage;
    }
    for (const [name, value] of Object.entries(settings)) process.env[name] = value;
    if (options.storage === 'memory') delete process.env.AzureWebJobsStorage;
    return settings;
}

/** The stand-in queues, by name, each created on first use and closed at shutdown. */
function queueRegistry(clock: ScaledClock, log: Logger, cleanups: Cleanups) {
    const queues = new Map<string, LocalQueue>();
    const queue = (name: string, maxBatch: number): LocalQueue => {
        const found = queues.get(name);
        if (found !== undefined) return found;
        const created = new LocalQueue(name, { clock, log, maxBatch });
        queues.set(name, created);
        cleanups.add(() => created.close());
        return created;
    };
    return { queues, queue };
}

/** What the functions' services are built with here instead of Azure: the clock, the queues, the simulation. */
function overrideServices(
    config: Config,
    deps: { clock: ScaledClock; log: Logger; simulation: SimulatedConnectServer | null; controlQueue: LocalQueue },
    cleanups: Cleanups,
): void {
    const base: Telemetry =
        config.telemetry.connectionString === null
            ? noTelemetry
            : createAppInsightsTelemetry(config, { log: deps.log });
    cleanups.add(() => base.flush());
    setServiceOverrides({
        clock: deps.clock,
        wakes: queueWakeScheduler(deps.controlQueue),
        telemetry: timelineTelemetry(base, { clock: deps.clock, log: deps.log, simulation: deps.simulation }),
        invalidMessages: new MemoryInvalidMessageSink(),
        ...(deps.simulation === null ? {} : { jobs: deps.simulation }),
    });
}

function listen(server: Server, port: number, hostname: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, hostname, () => {
            server.off('error', reject);
            const address = server.address();
            resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
    });
}

function bareProblem(res: ServerResponse, status: 404 | 500, title: string): void {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title, status }));
}

/**
 * The HTTP server: the `/_local/` helpers, then the HTTP functions under the route prefix, else 404.
 * @returns the port it listens on, and its `host:port`
 */
async function startHttpServer(
    options: LocalHostOptions,
    deps: {
        functions: readonly FunctionRegistration[];
        routePrefix: string;
        maxBodyBytes: number;
        local: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
    },
    cleanups: Cleanups,
): Promise<{ port: number; hostName: string }> {
    const { log } = options;
    const routes = httpRoutes(deps.functions, deps.routePrefix);
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (await deps.local(req, res)) return;
        if (await serveFunction(routes, req, res, { log, maxBodyBytes: deps.maxBodyBytes })) return;
        bareProblem(res, 404, 'Not Found');
    };
    const server = createServer((req, res) => {
        void handle(req, res).catch((e: unknown) => {
            log.error('Local host request failed', e);
            bareProblem(res, 500, 'Internal Server Error');
        });
    });
    const port = await listen(server, options.port, options.hostname);
    cleanups.add(
        () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    );
    return { port, hostName: `${options.hostname === '0.0.0.0' ? 'localhost' : options.hostname}:${port}` };
}

/**
 * Starts the embedded host: Azurite (unless told otherwise), the simulated Connect server, stand-in queues,
 * timers, and an HTTP server that serves the real function registrations under host.json's route prefix.
 * @param options - where and how to run
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
    const { log } = options;
    const cleanups = new Cleanups(log);
    try {
        const settings = await prepareStorage(options, cleanups);
        const config = loadConfig(process.env);
        const { routePrefix, maxBatch } = readHostJson(options.root);
        const clock = new ScaledClock(options.timeScale);
        const simulation =
            config.automation.mode === 'simulated'
                ? await openSimulation(
                      options.simulationJournal,
                      clock,
                      simulatedConnectOptionsFromEnv(process.env),
                      log,
                  )
                : null;
        const { queues, queue } = queueRegistry(clock, log, cleanups);
        overrideServices(config, { clock, log, simulation, controlQueue: queue(config.controlQueueName, 1) }, cleanups);
        const resolve = (expression: string): string => resolveSetting(expression, settings);
        cleanups.add(startTriggers(FUNCTIONS, { clock, log, queue, maxBatch, resolve }));
        const { port, hostName } = await startHttpServer(
            options,
            {
                functions: FUNCTIONS,
                routePrefix,
                maxBodyBytes: config.http.maxBodyBytes,
                local: localEndpoints({ simulation, queues, clock }),
            },
            cleanups,
        );
        // As Core Tools does, and as App Service does with the app's own name: the host tells the app its address,
        // so Location headers point here (never at whatever Host header a caller sends). The functions build their
        // services on first invocation, after this.
        process.env[PLATFORM_VARIABLES.hostName] = hostName;
        return {
            url: `http://${hostName}`,
            port,
            config,
            functions: FUNCTIONS,
            simulation,
            clock,
            queues,
            stop: () => cleanups.run(),
        };
    } catch (e) {
        await cleanups.run();
        throw e;
    }
}
