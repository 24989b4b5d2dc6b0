import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

import { InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';

import { createAppInsightsTelemetry } from '../adapters/appInsights/createAppInsightsTelemetry';
import { noTelemetry } from '../adapters/memory';
import { MemoryInvalidMessageSink } from '../adapters/memory/memoryInvalidMessageSink';
import type { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import { setServiceOverrides } from '../composition/runtime';
import { type Config, loadConfig } from '../config/loadConfig';
import { PLATFORM_VARIABLES, SETTINGS } from '../config/settings';
import { simulatedConnectOptionsFromEnv } from '../config/simulatedConnectSettings';
import type { Logger } from '../ports/logger';
import type { Telemetry } from '../ports/telemetry';
import { type RunningAzurite, startAzurite } from './azurite';
import { type CapturedFunction, captureRegistrations, triggerOf } from './functionsCore';
import { decodePathSegment, httpRoutes, serveFunction } from './httpHost';
import { type LocalMessage, LocalQueue, queueWakeScheduler } from './localQueue';
import { parseNcrontab } from './ncrontab';
import { ScaledClock } from './scaledClock';
import { openSimulation } from './simulationJournal';
import { timelineTelemetry } from './timeline';

/** Where `npm start` keeps its state: Azurite's tables (and nothing else). */
export type LocalStorageMode = 'azurite' | 'memory' | 'external';

export interface LocalHostOptions {
    /** The repository root (host.json, functions/). */
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
    readonly functions: readonly CapturedFunction[];
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

/** `%NAME%` in binding options refers to an app setting, as in the host. */
function resolveSetting(value: unknown, settings: Readonly<Record<string, string>>): string {
    if (typeof value !== 'string') throw new Error('binding option is not a string');
    return value.replace(/%([^%]+)%/g, (_, name: string) => {
        // Like the host, bindings read app settings; settings.ts defaults stand in for what infra would set.
        const resolved = settings[name] ?? SETTINGS.find((spec) => spec.name === name)?.default;
        if (resolved === undefined) throw new Error(`App setting ${name} is not set (used by a binding)`);
        return resolved;
    });
}

/**
 * Starts the embedded host: Azurite (unless told otherwise), the simulated Connect server, stand-in queues,
 * timers, and an HTTP server that serves the real function registrations under host.json's route prefix.
 * @param options - where and how to run
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
    const { log } = options;
    const settings: Record<string, string> = { ...options.settings };
    const cleanups = new Cleanups(log);
    const azurite = await startStorage(options, settings);
    if (azurite !== null) cleanups.push(() => azurite.stop());
    try {
        return await startOnStorage(options, settings, cleanups);
    } catch (e) {
        await cleanups.run();
        throw e;
    }
}

/** Shutdown steps, run in reverse order; a failing step is logged and the others still run. */
class Cleanups {
    private readonly steps: (() => Promise<void> | void)[] = [];

    constructor(private readonly log: Logger) {}

    push(step: () => Promise<void> | void): void {
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
 * Starts Azurite when the host keeps its state there, and points the settings and process.env at the storage:
 * the registered functions read their settings from process.env, as under the real host.
 */
async function startStorage(
    options: LocalHostOptions,
    settings: Record<string, string>,
): Promise<RunningAzurite | null> {
    let azurite: RunningAzurite | null = null;
    if (options.storage === 'azurite') {
        azurite = await startAzurite({ location: options.azuriteLocation });
        settings.AzureWebJobsStorage = azurite.connectionString;
    } else if (options.storage === 'memory') {
        delete settings.AzureWebJobsStorage;
    }
    for (const [name, value] of Object.entries(settings)) process.env[name] = value;
    if (options.storage === 'memory') delete process.env.AzureWebJobsStorage;
    return azurite;
}

async function startOnStorage(
    options: LocalHostOptions,
    settings: Readonly<Record<string, string>>,
    cleanups: Cleanups,
): Promise<LocalHost> {
    const { log, root } = options;
    const config = loadConfig(process.env);
    const hostJson = readHostJson(root);
    const clock = new ScaledClock(options.timeScale);
    const simulation =
        config.automation.mode === 'simulated'
            ? await openSimulation(options.simulationJournal, clock, simulatedConnectOptionsFromEnv(process.env), log)
            : null;
    const queues = new QueueRegistry(clock, log, cleanups);
    const base: Telemetry =
        config.telemetry.connectionString === null ? noTelemetry : createAppInsightsTelemetry(config, { log });
    cleanups.push(() => base.flush());
    setServiceOverrides({
        clock,
        wakes: queueWakeScheduler(queues.get(config.controlQueueName, 1)),
        telemetry: timelineTelemetry(base, { clock, log, simulation }),
        invalidMessages: new MemoryInvalidMessageSink(),
        ...(simulation === null ? {} : { jobs: simulation }),
    });
    const functions = await loadFunctions(root);
    runTriggers(functions, { settings, clock, log, queues, maxBatch: hostJson.maxBatch, cleanups });
    const local = localEndpoints({ simulation, queues: queues.all, clock });
    const routes = httpRoutes(functions, hostJson.routePrefix);
    const port = await serveHttp(options, cleanups, async (req, res) => {
        if (await local(req, res)) return;
        if (await serveFunction(routes, req, res, { log, maxBodyBytes: config.http.maxBodyBytes })) return;
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
    });
    const hostName = `${options.hostname === '0.0.0.0' ? 'localhost' : options.hostname}:${port}`;
    // As Core Tools does, and as App Service does with the app's own name: the host tells the app its address,
    // so Location headers point here (never at whatever Host header a caller sends). The functions build their
    // services on first invocation, after this.
    process.env[PLATFORM_VARIABLES.hostName] = hostName;
    return {
        url: `http://${hostName}`,
        port,
        config,
        functions,
        simulation,
        clock,
        queues: queues.all,
        stop: () => cleanups.run(),
    };
}

/** What the host reads of host.json: the HTTP route prefix and the Service Bus batch size. */
function readHostJson(root: string): { readonly routePrefix: string; readonly maxBatch: number } {
    const hostJson = hostJsonSchema.parse(JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')));
    return {
        routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
        maxBatch: hostJson.extensions?.serviceBus?.maxMessageBatchSize ?? 100,
    };
}

/** The stand-in queues by name, made on first use and closed at shutdown. */
class QueueRegistry {
    readonly all = new Map<string, LocalQueue>();

    constructor(
        private readonly clock: ScaledClock,
        private readonly log: Logger,
        private readonly cleanups: Cleanups,
    ) {}

    get(name: string, batch: number): LocalQueue {
        let found = this.all.get(name);
        if (found === undefined) {
            found = new LocalQueue(name, { clock: this.clock, log: this.log, maxBatch: batch });
            this.all.set(name, found);
            const created = found;
            this.cleanups.push(() => created.close());
        }
        return found;
    }
}

/** The function registrations of functions/, as the host would load them. */
async function loadFunctions(root: string): Promise<readonly CapturedFunction[]> {
    const functionsDir = join(root, 'functions');
    const files = readdirSync(functionsDir)
        .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
        .sort();
    return captureRegistrations(async () => {
        for (const file of files) await import(join(functionsDir, file));
    });
}

interface TriggerDeps {
    readonly settings: Readonly<Record<string, string>>;
    readonly clock: ScaledClock;
    readonly log: Logger;
    readonly queues: QueueRegistry;
    readonly maxBatch: number;
    readonly cleanups: Cleanups;
}

/** Subscribes the queue triggers to their stand-in queues and arms the timers; HTTP triggers are served apart. */
function runTriggers(functions: readonly CapturedFunction[], deps: TriggerDeps): void {
    const timers: TimerSlot[] = [];
    deps.cleanups.push(() => timers.forEach((slot) => slot.handle !== null && clearTimeout(slot.handle)));
    for (const fn of functions) {
        const trigger = triggerOf(fn);
        if (trigger.type === 'serviceBusTrigger') {
            const many = trigger.cardinality === 'many';
            const queue = deps.queues.get(resolveSetting(trigger.queueName, deps.settings), many ? deps.maxBatch : 1);
            queue.subscribe((messages) => invokeQueueFunction(fn, messages, many, deps.log));
        } else if (trigger.type === 'timerTrigger') {
            const schedule = resolveSetting(trigger.schedule, deps.settings);
            scheduleTimer(fn, schedule, trigger.runOnStartup === true, { clock: deps.clock, log: deps.log, timers });
        } else if (trigger.type !== 'httpTrigger') {
            deps.log.warn(`Function ${fn.name} has a ${trigger.type} trigger, which the local host does not run`);
        }
    }
}

/** One invocation of a Service Bus queue function, with the trigger metadata the host passes. */
async function invokeQueueFunction(
    fn: CapturedFunction,
    messages: readonly LocalMessage[],
    many: boolean,
    log: Logger,
): Promise<void> {
    const context = new InvocationContext({
        functionName: fn.name,
        logHandler: contextLog(fn.name, log),
        triggerMetadata: many
            ? {
                  messageIdArray: messages.map((m) => m.messageId),
                  deliveryCountArray: messages.map((m) => m.deliveryCount),
                  enqueuedTimeUtcArray: messages.map((m) => new Date(m.enqueuedAt).toISOString()),
              }
            : {
                  messageId: messages[0]?.messageId,
                  deliveryCount: messages[0]?.deliveryCount,
                  enqueuedTimeUtc: new Date(messages[0]?.enqueuedAt ?? 0).toISOString(),
              },
    });
    await fn.handler(many ? messages.map((m) => m.body) : messages[0]?.body, context);
}

/** The HTTP server on the host's address; closed at shutdown. Returns the port it listens on. */
async function serveHttp(
    options: LocalHostOptions,
    cleanups: Cleanups,
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<number> {
    const server = createServer((req, res) => {
        void handle(req, res).catch((e: unknown) => {
            options.log.error('Local host request failed', e);
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
            res.end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }));
        });
    });
    const port = await listen(server, options.port, options.hostname);
    cleanups.push(
        () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    );
    return port;
}

function contextLog(functionName: string, log: Logger) {
    return (level: string, ...args: unknown[]): void => {
        const line = `[${functionName}] ${args.map(String).join(' ')}`;
        if (level === 'error' || level === 'critical') log.error(line);
        else if (level === 'warning') log.warn(line);
        else if (level === 'information') log.info(line);
    };
}

/** The pending timeout of one timer function, so shutdown can clear it. */
interface TimerSlot {
    handle: NodeJS.Timeout | null;
}

function scheduleTimer(
    fn: CapturedFunction,
    expression: string,
    runOnStartup: boolean,
    deps: { clock: ScaledClock; log: Logger; timers: TimerSlot[] },
): void {
    const schedule = parseNcrontab(expression);
    const slot: TimerSlot = { handle: null };
    deps.timers.push(slot);
    let last = deps.clock.now();
    const fire = async (isPastDue: boolean): Promise<void> => {
        const now = deps.clock.now();
        const next = schedule.nextAfter(now);
        const timer: Timer = {
            isPastDue,
            schedule: { adjustForDST: false },
            scheduleStatus: {
                last: new Date(last).toISOString(),
                next: new Date(next ?? now).toISOString(),
                lastUpdated: new Date(now).toISOString(),
            },
        };
        last = now;
        try {
            await fn.handler(
                timer,
                new InvocationContext({ functionName: fn.name, logHandler: contextLog(fn.name, deps.log) }),
            );
        } catch (e) {
            deps.log.error(`[${fn.name}] timer invocation failed: ${e instanceof Error ? e.message : String(e)}`);
        }
    };
    const arm = (): void => {
        const next = schedule.nextAfter(deps.clock.now());
        if (next === null) return;
        slot.handle = setTimeout(
            () => {
                void fire(false).finally(arm);
            },
            Math.min(2 ** 31 - 1, deps.clock.realDelay(next)),
        );
    };
    if (runOnStartup) void fire(false).finally(arm);
    else arm();
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

async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const text = Buffer.concat(chunks).toString('utf8');
    return text.trim() === '' ? null : (JSON.parse(text) as unknown);
}

/** Local-only helpers under `/_local/`: not part of the app, never deployed. */
function localEndpoints(deps: {
    simulation: SimulatedConnectServer | null;
    queues: ReadonlyMap<string, LocalQueue>;
    clock: ScaledClock;
}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
    const json = (res: ServerResponse, status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body, null, 2));
    };
    return async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (!url.pathname.startsWith('/_local/')) return false;
        const simulation = deps.simulation;
        if (req.method === 'GET' && url.pathname === '/_local/simulation') {
            if (simulation === null) json(res, 404, { error: 'AUTOMATION_MODE is not simulated' });
            else {
                json(res, 200, {
                    now: new Date(deps.clock.now()).toISOString(),
                    timeScale: deps.clock.scale,
                    server: simulation.snapshot(),
                    stats: simulation.stats(),
                    recentCycles: simulation.cycles().slice(-20),
                });
            }
            return true;
        }
        if (req.method === 'POST' && url.pathname === '/_local/simulation/worker') {
            const state = url.searchParams.get('state');
            if (simulation === null || (state !== 'online' && state !== 'offline' && state !== 'hung')) {
                json(res, 400, { error: 'use ?state=online|offline|hung with AUTOMATION_MODE=simulated' });
            } else {
                simulation.setWorker(state);
                json(res, 200, { worker: state });
            }
            return true;
        }
        const queueMatch = /^\/_local\/queues\/([^/]+)$/.exec(url.pathname);
        if (req.method === 'POST' && queueMatch !== null) {
            const queue = deps.queues.get(decodePathSegment(queueMatch[1] ?? '') ?? '');
            if (queue === undefined) {
                json(res, 404, { error: 'unknown queue', queues: [...deps.queues.keys()] });
                return true;
            }
            let body: unknown;
            try {
                body = await readJson(req);
            } catch {
                json(res, 400, { error: 'the body must be JSON' });
                return true;
            }
            const messageId = req.headers['x-message-id'];
            const sequenceNumber = queue.send(body, undefined, typeof messageId === 'string' ? messageId : undefined);
            json(res, 202, { queue: queue.name, sequenceNumber });
            return true;
        }
        json(res, 404, { error: 'unknown local endpoint' });
        return true;
    };
}
