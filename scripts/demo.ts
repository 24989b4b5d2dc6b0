/**
 * `npm run demo`: a joiner and a bulk change of 5,000 users against the local host, with a readable timeline.
 *
 *   npm run demo                      starts an embedded host (in memory, clock ×20) and runs the scenario
 *   npm run demo -- --speed 1         the same in real time (about five minutes)
 *   npm run demo -- --url http://localhost:7071   against a host you started with `npm start`
 */
import { join } from 'node:path';

import { type LocalHost, startLocalHost } from '../src/local/localHost';
import { mergeLocalSettings } from '../src/local/localSettings';
import type { Clock } from '../src/ports/clock';
import { type Logger } from '../src/ports/logger';

const root = join(__dirname, '..');
const BULK_SIZE = 5_000;

function argument(name: string): string | undefined {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

function stamp(clock: Clock): string {
    return new Date(clock.now()).toISOString().slice(11, 19);
}

interface Tracked {
    readonly label: string;
    readonly location: string;
    lastState: string | null;
    finalStatus: number | null;
}

async function post(
    base: string,
    changes: readonly object[],
    log: (line: string) => void,
    label: string,
): Promise<Tracked> {
    const response = await fetch(`${base}/api/sync/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ changes }),
    });
    const location = response.headers.get('location');
    if (response.status !== 202 || location === null) {
        throw new Error(`POST ${label} answered ${response.status}: ${await response.text()}`);
    }
    log(`demo: ${label}: POST → 202 Accepted, Location ${location}`);
    return { label, location, lastState: null, finalStatus: null };
}

function stateOf(body: unknown): string {
    if (typeof body === 'object' && body !== null && 'state' in body && typeof body.state === 'string') {
        return body.state;
    }
    return 'unknown';
}

async function poll(tracked: Tracked, log: (line: string) => void): Promise<void> {
    const response = await fetch(tracked.location);
    const body: unknown = await response.json();
    const state = stateOf(body);
    if (state !== tracked.lastState) {
        log(`demo: ${tracked.label}: status ${response.status} ${state}`);
        tracked.lastState = state;
    }
    if (response.status !== 202) {
        tracked.finalStatus = response.status;
        log(`demo: ${tracked.label}: Location is final (${response.status}): ${JSON.stringify(body).slice(0, 240)}…`);
    }
}

async function until(done: () => boolean, step: () => Promise<void>, limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!done()) {
        if (Date.now() > deadline) throw new Error('The scenario did not finish in time');
        await step();
        await new Promise((r) => setTimeout(r, 200));
    }
}

async function main(): Promise<void> {
    const url = argument('--url');
    const speed = Number(argument('--speed') ?? '20');
    let host: LocalHost | null = null;
    let clock: Clock = { now: () => Date.now() };
    const log: Logger = {
        info: (m) => console.log(m),
        warn: (m) => console.warn(m),
        error: (m, ...d) => console.error(m, ...d),
    };
    if (url === undefined) {
        const settings = mergeLocalSettings(
            {},
            { ...process.env, SIMULATED_CONNECT_SEED: process.env.SIMULATED_CONNECT_SEED ?? '3' },
        );
        host = await startLocalHost({
            root,
            port: 0,
            hostname: '127.0.0.1',
            settings,
            storage: 'memory',
            azuriteLocation: join(root, '.local', 'azurite'),
            simulationJournal: null,
            timeScale: Math.max(1, speed),
            // The reconcile timer's lines are noise in a demo.
            log: { ...log, info: (m) => (m.startsWith('[reconcileTimer]') ? undefined : log.info(m)) },
        });
        clock = host.clock;
        console.log(`Embedded host at ${host.url}, simulated Entra Connect server, clock ×${host.clock.scale}\n`);
    }
    const base = host?.url ?? url ?? '';
    const say = (line: string): void => console.log(`${stamp(clock)} ${line}`);
    const started = Date.now();
    try {
        const joiner = await post(base, [{ kind: 'joiner', upn: 'ada.lovelace@contoso.com' }], say, 'joiner');
        await until(
            () => joiner.lastState === 'running' || joiner.finalStatus !== null,
            () => poll(joiner, say),
            600_000,
        );
        const bulk = await post(
            base,
            Array.from({ length: BULK_SIZE }, (_, i) => ({ kind: 'attribute', upn: `user${i}@contoso.com` })),
            say,
            `bulk of ${BULK_SIZE.toLocaleString('en-US')} changes`,
        );
        await until(
            () => joiner.finalStatus !== null && bulk.finalStatus !== null,
            async () => {
                if (joiner.finalStatus === null) await poll(joiner, say);
                if (bulk.finalStatus === null) await poll(bulk, say);
            },
            1_800_000,
        );
        if (host?.simulation) {
            const stats = host.simulation.stats();
            const cycles = host.simulation.cycles();
            say(
                `demo: done in ${((Date.now() - started) / 1000).toFixed(1)} s real time: ${stats.jobsCreated} Automation job(s) for ${BULK_SIZE + 1} changes, ${cycles.length} cycle(s) on the server (${cycles.filter((c) => c.trigger === 'scheduler').length} by its own scheduler)`,
            );
        }
    } finally {
        await host?.stop();
    }
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
