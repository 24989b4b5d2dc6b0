import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { freeLoopbackPort } from '../../src/local/azurite';
import { FAST_LOCAL_TIMING } from '../support/localHostFixture';

const root = join(__dirname, '..', '..');
const TSX = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Short timing and a fast simulated server, so a joiner is final in seconds. */
const FAST = FAST_LOCAL_TIMING;

interface RunningHost {
    readonly child: ChildProcess;
    readonly url: string;
    output(): string;
}

/** Starts `npm start`'s entry point as a child process and waits for its "Ready" line. */
async function startHost(
    port: number,
    dataDir: string,
    settings: Readonly<Record<string, string>> = {},
): Promise<RunningHost> {
    const child = spawn(process.execPath, [TSX, join(root, 'scripts', 'start.ts')], {
        cwd: root,
        env: { ...process.env, ...FAST, ...settings, LOCAL_HTTP_PORT: String(port), LOCAL_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, as a terminal gives `npm start`, so that a test can kill the whole group.
        detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`host not ready in 90 s:\n${output}`)), 90_000);
        const check = (): void => {
            if (output.includes('Ready.')) {
                clearTimeout(timer);
                resolve();
            }
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`host exited with ${code}:\n${output}`));
        });
    });
    return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

/** `kill -9` of the host's whole process group (tsx and the node process it starts), as a crash would. */
function killHard(host: RunningHost): Promise<void> {
    return new Promise((resolve) => {
        host.child.removeAllListeners('exit');
        host.child.once('exit', () => resolve());
        if (host.child.pid !== undefined) process.kill(-host.child.pid, 'SIGKILL');
    });
}

/** Ctrl-C, and the exit code. */
function interrupt(host: RunningHost): Promise<number | null> {
    if (host.child.exitCode !== null || host.child.signalCode !== null) return Promise.resolve(host.child.exitCode);
    return new Promise((resolve) => {
        host.child.removeAllListeners('exit');
        // 'close', not 'exit': the last lines it printed ("Stopped.") are read only once its pipes close.
        host.child.once('close', (code) => resolve(code));
        host.child.kill('SIGINT');
    });
}

async function pollToFinal(statusUrl: string): Promise<Response> {
    for (let i = 0; i < 120; i++) {
        const response = await fetch(statusUrl);
        if (response.status !== 202) return response;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no final answer from ${statusUrl}`);
}

/** Posts one joiner and returns its Location. */
async function postJoiner(url: string, key: string): Promise<string> {
    const posted = await fetch(`${url}/api/sync/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ changes: [{ kind: 'joiner', upn: `${key}@contoso.com` }] }),
    });
    expect(posted.status).toBe(202);
    const location = posted.headers.get('location');
    if (location === null) throw new Error('no Location');
    return location;
}

const simulationSchema = z.object({
    server: z.object({ runningCycle: z.object({ jobName: z.string().nullable() }).nullable() }),
    stats: z.object({ jobsCreated: z.number() }),
});

/** Waits until the simulated server runs a cycle that a job other than `not` started: the host is mid-cycle. */
async function midCycle(url: string, not: string | null = null): Promise<string> {
    for (let i = 0; i < 240; i++) {
        const simulation = simulationSchema.parse(await (await fetch(`${url}/_local/simulation`)).json());
        const jobName = simulation.server.runningCycle?.jobName ?? null;
        if (jobName !== null && jobName !== not) return jobName;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('no cycle started');
}

/** The final answer of each request, polling for up to `budgetMs` (the reconcile timer repairs lost wakes). */
async function finalStates(locations: readonly string[], budgetMs: number): Promise<unknown[]> {
    const until = Date.now() + budgetMs;
    const finals = new Map<string, unknown>();
    while (finals.size < locations.length && Date.now() < until) {
        for (const location of locations) {
            if (finals.has(location)) continue;
            const response = await fetch(location);
            if (response.status !== 202) finals.set(location, { status: response.status, body: await response.json() });
        }
        await new Promise((r) => setTimeout(r, 1_000));
    }
    return locations.map((location) => finals.get(location) ?? { status: 202 });
}

describe('npm start (embedded local host, end to end)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-host-'));
    const hosts: RunningHost[] = [];
    afterAll(async () => {
        for (const host of hosts) await interrupt(host);
        rmSync(dataDir, { recursive: true, force: true });
    });

    it('takes a joiner over HTTP to a final status, and keeps it across a restart', async () => {
        const port = await freeLoopbackPort();
        const first = await startHost(port, dataDir);
        hosts.push(first);
        const posted = await fetch(`${first.url}/api/sync/requests`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ changes: [{ kind: 'joiner', upn: 'new.joiner@contoso.com' }] }),
        });
        expect(posted.status).toBe(202);
        const location = posted.headers.get('location');
        expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/api/sync/requests/`));
        if (location === null) throw new Error('no Location');

        const final = await pollToFinal(location);
        expect(final.status).toBe(200);
        const body: unknown = await final.json();
        expect(body).toMatchObject({ state: 'succeeded' });

        const simulation: unknown = await (await fetch(`${first.url}/_local/simulation`)).json();
        expect(simulation).toMatchObject({ stats: { jobsCreated: 1 } });
        const status = await fetch(`${first.url}/api/status/page`);
        expect(status.headers.get('content-type')).toMatch(/text\/html/);

        expect(await interrupt(first)).toBe(0);
        expect(first.output()).toContain('Stopped.');

        // Azurite kept the tables in the data folder: the new process still knows the request.
        const second = await startHost(port, dataDir);
        hosts.push(second);
        const again = await fetch(location);
        expect(again.status).toBe(200);
        expect(await again.json()).toMatchObject({ state: 'succeeded' });
        // Two host start-ups (tsx, Azurite) on a busy machine: a generous limit; nothing here asserts speed.
    }, 300_000);

    it('keeps every acknowledged request when the host is killed with SIGKILL right after acknowledging it', async () => {
        // Azurite writes its tables to disk every 5 s; before the host made it save on the host's death, the
        // requests acknowledged in the last seconds before a `kill -9` were lost.
        const crashDir = mkdtempSync(join(tmpdir(), 'local-host-crash-'));
        try {
            const port = await freeLoopbackPort();
            const first = await startHost(port, crashDir);
            hosts.push(first);
            const locations: string[] = [];
            for (let i = 0; i < 20; i++) {
                const posted = await fetch(`${first.url}/api/sync/requests`, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json', 'idempotency-key': `crash-${i}` },
                    body: JSON.stringify({ changes: [{ kind: 'attribute', upn: `user${i}@contoso.com` }] }),
                });
                expect(posted.status).toBe(202);
                const location = posted.headers.get('location');
                if (location === null) throw new Error('no Location');
                locations.push(location);
            }
            await killHard(first);

            const second = await startHost(port, crashDir);
            try {
                const statuses = await Promise.all(locations.map(async (location) => (await fetch(location)).status));
                expect(statuses.filter((status) => status === 404)).toEqual([]);
            } finally {
                await interrupt(second);
            }
        } finally {
            rmSync(crashDir, { recursive: true, force: true });
        }
    }, 300_000);

    it('ends every request when the host restarts mid-cycle, killed with SIGKILL and stopped with Ctrl-C (issue 25 item 2)', async () => {
        // Cycles of 20 s, so that each restart falls inside one. The simulated server keeps its jobs in the data
        // folder; before it did, the engine's polls of a job it had lost were refused until the run timed out.
        const slow = { SIMULATED_CONNECT_CYCLE_SECONDS: '20' };
        const restartDir = mkdtempSync(join(tmpdir(), 'local-host-restart-'));
        try {
            const port = await freeLoopbackPort();
            const first = await startHost(port, restartDir, slow);
            hosts.push(first);
            const locations = [await postJoiner(first.url, 'crash-a1'), await postJoiner(first.url, 'crash-a2')];
            const firstJob = await midCycle(first.url);
            await killHard(first);

            const second = await startHost(port, restartDir, slow);
            hosts.push(second);
            expect(second.output()).toMatch(/Simulated Connect server: resumed from/);
            locations.push(await postJoiner(second.url, 'restart-b1'), await postJoiner(second.url, 'restart-b2'));
            await midCycle(second.url, firstJob);
            expect(await interrupt(second)).toBe(0);

            const third = await startHost(port, restartDir, slow);
            hosts.push(third);
            // Lost wakes wait for the reconcile timer (every 2 minutes): a generous budget.
            const finals = await finalStates(locations, 280_000);
            expect(finals).toEqual(
                locations.map(() => ({
                    status: 200,
                    body: expect.objectContaining({ state: 'succeeded' }) as unknown,
                })),
            );
            const simulation = simulationSchema.parse(await (await fetch(`${third.url}/_local/simulation`)).json());
            expect(simulation.stats.jobsCreated).toBe(2);
            await interrupt(third);
        } finally {
            rmSync(restartDir, { recursive: true, force: true });
        }
    }, 600_000);
});
