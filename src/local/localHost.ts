import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

import { InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';

import { createAppInsightsTelemetry } from '../adapters/appInsights/createAppInsightsTelemetry';
import { noTelemetry } from '../adapters/memory';
import { MemoryInvalidMessageSink } from '../adapters/memory/memoryInvalidMessageSink';
import { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import { setServiceOverrides } from '../composition/runtime';
import { type Config, loadConfig } from '../config/loadConfig';
import { PLATFORM_VARIABLES, SETTINGS } from '../config/settings';
import { simulatedConnectOptionsFromEnv } from '../config/simulatedConnectSettings';
import type { Logger } from '../ports/logger';
import type { Telemetry } from '../ports/telemetry';
import { type RunningAzurite, startAzurite } from './azurite';
import { type CapturedFunction, captureRegistrations, triggerOf } from './functionsCore';
import { decodePathSegment, httpRoutes, serveFunction } from './httpHost';
import { LocalQueue, queueWakeScheduler } from './localQueue';
import { parseNcrontab } from './ncrontab';
import { ScaledClock } from './scaledClock';
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
    const { log, root } = options;
    const settings: Record<string, string> = { ...options.settings };
    let azurite: RunningAzurite | null = null;
    if (options.storage === 'azurite') {
        azurite = await startAzurite({ location: options.azuriteLocation });
        settings.AzureWebJobsStorage = azurite.connectionString;
    } else if (options.storage === 'memory') {
        delete settings.AzureWebJobsStorage;
    }
    // The registered functions read their settings from process.env, as under the real host.
    for (const [name, value] of Object.entries(settings)) process.env[name] = value;
    if (options.storage === 'memory') delete process.env.AzureWebJobsStorage;

    const cleanups: (() => Promise<void> | void)[] = [];
    const stopAll = async (): Promise<void> => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            try {
                await cleanup();
            } catch (e) {
                log.warn(`Shutdown step failed: ${e instanceof Error ? e.message : String(e)}`);
            }
        }
    };
    if (azurite !== null) {
        const running = azurite;
        cleanups.push(() => running.stop());
    }
    try {
        const config = loadConfig(process.env);
        const hostJson = hostJsonSchema.parse(JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')));
        const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
        const maxBatch = hostJson.extensions?.serviceBus?.maxMessageBatchSize ?? 100;
        const clock = new ScaledClock(options.timeScale);

        const simulation =
            config.automation.mode === 'simulated'
                ? new SimulatedConnectServer(clock, simulatedConnectOptionsFromEnv(process.env))
                : null;
        const queues = new Map<string, LocalQueue>();
        const queue = (name: string, batch: number): LocalQueue => {
            let found = queues.get(name);
            if (found === undefined) {
                found = new LocalQueue(name, { clock, log, maxBatch: batch });
                queues.set(name, found);
                const created = found;
                cleanups.push(() => created.close());
            }
            return found;
        };
        const base: Telemetry =
            config.telemetry.connectionString === null ? noTelemetry : createAppInsightsTelemetry(config, { log });
        cleanups.push(() => base.flush());
        setServiceOverrides({
            clock,
            wakes: queueWakeScheduler(queue(config.controlQueueName, 1)),
            telemetry: timelineTelemetry(base, { clock, log, simulation }),
            invalidMessages: new MemoryInvalidMessageSink(),
            ...(simulation === null ? {} : { jobs: simulation }),
        });

        const functionsDir = join(root, 'functions');
        const files = readdirSync(functionsDir)
            .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
            .sort();
        const functions = await captureRegistrations(async () => {
            for (const file of files) await import(join(functionsDir, file));
        });

        const timers: TimerSlot[] = [];
        cleanups.push(() => timers.forEach((slot) => slot.handle !== null && clearTimeout(slot.handle)));
        for (const fn of functions) {
            const trigger = triggerOf(fn);
            if (trigger.type === 'serviceBusTrigger') {
                const many = trigger.cardinality === 'many';
                const name = resolveSetting(trigger.queueName, settings);
                queue(name, many ? maxBatch : 1).subscribe(async (messages) => {
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
                });
            } else if (trigger.type === 'timerTrigger') {
                scheduleTimer(fn, resolveSetting(trigger.schedule, settings), trigger.runOnStartup === true, {
                    clock,
                    log,
                    timers,
                });
            } else if (trigger.type !== 'httpTrigger') {
                log.warn(`Function ${fn.name} has a ${trigger.type} trigger, which the local host does not run`);
            }
        }

        const routes = httpRoutes(functions, routePrefix);
        const server = createServer((req, res) => {
            void handle(req, res).catch((e: unknown) => {
                log.error('Local host request failed', e);
                if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
                res.end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }));
            });
        });
        const local = localEndpoints({ simulation, queues, clock });
        async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
            if (await local(req, res)) return;
            if (await serveFunction(routes, req, res, { log, maxBodyBytes: config.http.maxBodyBytes })) return;
            res.writeHead(404, { 'content-type': 'application/problem+json' });
            res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
        }
        const port = await listen(server, options.port, options.hostname);
        const hostName = `${options.hostname === '0.0.0.0' ? 'localhost' : options.hostname}:${port}`;
        // As Core Tools does, and as App Service does with the app's own name: the host tells the app its address,
        // so Location headers point here (never at whatever Host header a caller sends). The functions build their
        // services on first invocation, after this.
        process.env[PLATFORM_VARIABLES.hostName] = hostName;
        cleanups.push(
            () =>
                new Promise<void>((resolve) => {
                    server.close(() => resolve());
                    server.closeAllConnections();
                }),
        );
        return {
            url: `http://${hostName}`,
            port,
            config,
            functions,
            simulation,
            clock,
            queues,
            stop: stopAll,
        };
    } catch (e) {
        await stopAll();
        throw e;
    }
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
