import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { z } from 'zod';

import {
    DEFAULT_SIMULATED_CONNECT,
    type SimulatedConnectOptions,
    SimulatedConnectServer,
    type SimulationInput,
} from '../adapters/simulatedConnect/connectServer';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';

/*
 * The simulated Connect server across restarts of `npm start`. A real Connect server and Azure Automation do not
 * stop when the Functions host does, and the engine finds its jobs there after a restart. The simulation is
 * deterministic in its seed, its options and its inputs (jobs created and stopped, changes recorded, the worker
 * taken offline), so the host appends each input to a journal in its data folder before it takes effect, and a
 * restart replays them: the server is rebuilt as it was, and plays on (the cycles that ended while the host was
 * down have ended). A journal written with other settings is not replayed: the server starts afresh, and the
 * engine finds the jobs it knew gone (`notFound`, so their runs end `JobLost` at the next reading).
 */

const JOURNAL_VERSION = 1;

const headerSchema = z.object({
    kind: z.literal('simulatedConnect'),
    version: z.literal(JOURNAL_VERSION),
    start: z.number(),
    options: z.unknown(),
});

const targetSchema = z.object({
    targetId: z.string(),
    subscriptionId: z.string(),
    resourceGroup: z.string(),
    automationAccount: z.string(),
    runbook: z.string(),
    hybridWorkerGroup: z.string(),
});

const inputSchema = z.discriminatedUnion('kind', [
    z.object({
        kind: z.literal('createJob'),
        at: z.number(),
        target: targetSchema,
        jobName: z.string(),
        parameters: z.object({
            PolicyType: z.enum(['Delta', 'Initial']),
            TimeoutSeconds: z.number(),
            CorrelationId: z.string(),
            NotBefore: z.string().optional(),
        }),
    }),
    z.object({ kind: z.literal('stopJob'), at: z.number(), target: targetSchema, jobName: z.string() }),
    z.object({ kind: z.literal('recordChanges'), at: z.number(), count: z.number() }),
    z.object({ kind: z.literal('setWorker'), at: z.number(), state: z.enum(['online', 'offline', 'hung']) }),
    z.object({ kind: z.literal('setStagingMode'), at: z.number(), on: z.boolean() }),
]);

/** A clock that reads the time of the input being replayed, then the real one. */
class ReplayClock implements Clock {
    at: number | null;

    constructor(
        private readonly real: Clock,
        start: number,
    ) {
        this.at = start;
    }

    now(): number {
        return this.at ?? this.real.now();
    }
}

/** A journal that can be replayed: its start and its inputs; or why not. */
type Journal =
    | { readonly kind: 'replay'; readonly start: number; readonly inputs: readonly SimulationInput[] }
    | { readonly kind: 'fresh'; readonly why: string | null };

/**
 * The simulated Connect server of the local host, rebuilt from its journal at `path` when one was written with the
 * same settings, and recording its inputs there from now on. Without a path (in-memory storage, where nothing else
 * survives a restart either) it is a fresh server that records nothing.
 * @param path - the journal file (`<LOCAL_DATA_DIR>/simulated-connect.jsonl`), or null
 * @param clock - the host's clock
 * @param options - the `SIMULATED_CONNECT_*` settings
 * @param log - where a replay or a reset is reported
 */
export async function openSimulation(
    path: string | null,
    clock: Clock,
    options: Partial<SimulatedConnectOptions>,
    log: Logger,
): Promise<SimulatedConnectServer> {
    if (path === null) return new SimulatedConnectServer(clock, options);
    const settings = { ...DEFAULT_SIMULATED_CONNECT, ...options };
    const journal = readJournal(path, settings);
    let server: SimulatedConnectServer;
    if (journal.kind === 'replay') {
        server = await replay(journal.start, journal.inputs, clock, options);
        log.info(`Simulated Connect server: resumed from ${path} (${journal.inputs.length} input(s) replayed)`);
    } else {
        if (journal.why !== null) {
            log.warn(`Simulated Connect server: starting afresh (${journal.why}); the jobs it ran before are gone`);
        }
        // The start is the header's: a replay builds the server at that very instant (its scheduler's phase is
        // counted from it).
        const start = clock.now();
        server = await replay(start, [], clock, options);
        mkdirSync(dirname(path), { recursive: true });
        const header = { kind: 'simulatedConnect', version: JOURNAL_VERSION, start, options: settings };
        writeFileSync(path, `${JSON.stringify(header)}\n`);
    }
    // Written before the input takes effect, synchronously: a create the engine was answered for is on disk even
    // when the host is killed right after.
    server.recordInputs((input) => appendFileSync(path, `${JSON.stringify(input)}\n`));
    return server;
}

async function replay(
    start: number,
    inputs: readonly SimulationInput[],
    clock: Clock,
    options: Partial<SimulatedConnectOptions>,
): Promise<SimulatedConnectServer> {
    const replayClock = new ReplayClock(clock, start);
    const server = new SimulatedConnectServer(replayClock, options);
    for (const input of inputs) {
        replayClock.at = input.at;
        await server.apply(input);
    }
    replayClock.at = null;
    return server;
}

function readJournal(path: string, settings: SimulatedConnectOptions): Journal {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        return { kind: 'fresh', why: null };
    }
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const header = headerSchema.safeParse(parseJson(lines[0] ?? ''));
    if (!header.success) return { kind: 'fresh', why: `${path} is not a journal of this version` };
    if (JSON.stringify(header.data.options) !== JSON.stringify(settings)) {
        return { kind: 'fresh', why: 'its SIMULATED_CONNECT_* settings changed' };
    }
    const inputs: SimulationInput[] = [];
    for (const [i, line] of lines.slice(1).entries()) {
        const input = inputSchema.safeParse(parseJson(line));
        if (input.success) {
            inputs.push(input.data);
            continue;
        }
        // Only the last line can be torn (the host killed while writing it); that input never took effect.
        if (i === lines.length - 2) break;
        return { kind: 'fresh', why: `line ${i + 2} of ${path} is not an input` };
    }
    return { kind: 'replay', start: header.data.start, inputs };
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
