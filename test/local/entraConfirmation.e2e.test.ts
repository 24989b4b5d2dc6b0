import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { freeLoopbackPort } from '../../src/local/azurite';

const root = join(__dirname, '..', '..');
const TSX = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/**
 * A fast simulated server and ENTRA_CONFIRMATION=on, with the clock ten times faster so that the 30-second
 * confirmation timer runs every 3 seconds of wall time. Memory storage unless a test asks for Azurite.
 */
const CONFIRMING: Record<string, string> = {
    LOCAL_STORAGE: 'memory',
    LOCAL_TIME_SCALE: '10',
    SYNC_QUIET_SECONDS: '1',
    SYNC_URGENT_MAX_WAIT_SECONDS: '2',
    SYNC_MIN_SPACING_SECONDS: '0',
    SYNC_POLL_INTERVAL_SECONDS: '1',
    SYNC_POLL_MAX_INTERVAL_SECONDS: '2',
    SIMULATED_CONNECT_WORKER_POLL_SECONDS: '1',
    SIMULATED_CONNECT_CYCLE_SECONDS: '5',
    SIMULATED_CONNECT_SCHEDULER_MINUTES: '0',
    ENTRA_CONFIRMATION: 'on',
    ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS: '30',
    ENTRA_CONFIRMATION_EXTRA_RUNS: '1',
};

interface RunningHost {
    readonly child: ChildProcess;
    readonly url: string;
    output(): string;
}

async function startHost(env: Record<string, string>, dataDir: string): Promise<RunningHost> {
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, [TSX, join(root, 'scripts', 'start.ts')], {
        cwd: root,
        env: { ...process.env, ...CONFIRMING, ...env, LOCAL_HTTP_PORT: String(port), LOCAL_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`host not ready in 90 s:\n${output}`)), 90_000);
        child.stdout.on('data', () => {
            if (output.includes('Ready.')) {
                clearTimeout(timer);
                resolve();
            }
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`host exited with ${code}:\n${output}`));
        });
    });
    return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

function stop(host: RunningHost): Promise<void> {
    if (host.child.exitCode !== null || host.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        host.child.removeAllListeners('exit');
        host.child.once('close', () => resolve());
        host.child.kill('SIGINT');
    });
}

async function postJoiner(host: RunningHost, upn: string): Promise<string> {
    const posted = await fetch(`${host.url}/api/sync/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ changes: [{ kind: 'joiner', upn }] }),
    });
    expect(posted.status).toBe(202);
    const location = posted.headers.get('location');
    if (location === null) throw new Error('no Location');
    return location;
}

/** Polls the status URL as Logic Apps would, and returns every answer until the final one. */
async function pollToFinal(location: string): Promise<{ final: Response; body: unknown; seen: unknown[] }> {
    const seen: unknown[] = [];
    for (let i = 0; i < 240; i++) {
        const response = await fetch(location);
        const body: unknown = await response.json();
        seen.push(body);
        if (response.status !== 202) return { final: response, body, seen };
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no final answer from ${location}`);
}

async function jobsCreated(host: RunningHost): Promise<number> {
    const simulation = (await (await fetch(`${host.url}/_local/simulation`)).json()) as {
        stats: { jobsCreated: number };
    };
    return simulation.stats.jobsCreated;
}

describe('npm start with ENTRA_CONFIRMATION=on (simulated directory)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-entra-'));
    const hosts: RunningHost[] = [];
    afterAll(async () => {
        for (const host of hosts) await stop(host);
        rmSync(dataDir, { recursive: true, force: true });
    });

    it('a joiner ends "confirmed in Entra ID" in its status answer, not before its cycle', async () => {
        // Azurite (the local default): confirmations in the request table, as in Azure.
        const host = await startHost({ SIMULATED_DIRECTORY_LAG_RATE: '0', LOCAL_STORAGE: 'azurite' }, dataDir);
        hosts.push(host);
        const { final, body, seen } = await pollToFinal(await postJoiner(host, 'new.joiner@contoso.com'));
        expect(final.status).toBe(200);
        expect(body).toMatchObject({
            state: 'succeeded',
            entra: { state: 'confirmed', extraRuns: 0, detail: expect.stringMatching(/^Confirmed in Entra ID at /) },
        });
        // While the cycle ran and until the lookup, the answer said so (202, entra confirming).
        expect(seen.slice(0, -1).every((b) => (b as { entra?: { state: string } }).entra?.state === 'confirming')).toBe(
            true,
        );
        expect(await jobsCreated(host)).toBe(1);
        await stop(host);
    }, 180_000);

    it('a lagging object triggers exactly one extra run, then a final NotVisibleInEntra', async () => {
        const host = await startHost(
            { SIMULATED_DIRECTORY_LAG_RATE: '1', SIMULATED_DIRECTORY_LAG_SECONDS: '86400' },
            dataDir,
        );
        hosts.push(host);
        const { final, body } = await pollToFinal(await postJoiner(host, 'late.joiner@contoso.com'));
        expect(final.status).toBe(424);
        expect(final.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(body).toMatchObject({
            code: 'NOT_VISIBLE_IN_ENTRA',
            state: 'notVisibleInEntra',
            entra: { state: 'notVisibleInEntra', extraRuns: 1, reason: 'neverSynced' },
        });
        // The request's own cycle and the one extra run: no more.
        expect(await jobsCreated(host)).toBe(2);
        await stop(host);
    }, 180_000);
});
