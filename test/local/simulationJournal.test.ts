import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock } from '../../src/adapters/memory';
import type { SimulatedConnectOptions } from '../../src/adapters/simulatedConnect/connectServer';
import { openSimulation } from '../../src/local/simulationJournal';
import type { SyncJobParameters } from '../../src/ports/automationJobs';
import type { Logger } from '../../src/ports/logger';
import { testTarget } from '../support/targets';

/*
 * The simulated Connect server across a restart of the local host (issue 25 item 2): rebuilt from its journal, it
 * answers for the jobs it had as a server that never stopped does; with other settings it starts afresh and answers
 * "not found" for them, as Automation does for a recreated account.
 */
const target = testTarget();
const delta: SyncJobParameters = { PolicyType: 'Delta', TimeoutSeconds: 3600, CorrelationId: 'c'.repeat(32) };
const options: Partial<SimulatedConnectOptions> = { seed: 7, workerPollIntervalMs: 2_000, deltaBaseMs: 20_000 };
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recordingLog(): Logger & { readonly lines: string[] } {
    const lines: string[] = [];
    const log = (m: string) => void lines.push(m);
    return { lines, info: log, warn: log, error: log };
}

/** A host's life: jobs created and changes recorded, the clock moved to `until`. */
async function firstLife(path: string | null, clock: ManualClock, until: number) {
    const server = await openSimulation(path, clock, options, recordingLog());
    server.recordChanges(3);
    await server.createJob(target, 'job-1', delta);
    clock.set(T0 + 5_000);
    await server.createJob(target, 'job-2', { ...delta, NotBefore: new Date(T0 + 40_000).toISOString() });
    clock.set(until);
    return server;
}

describe('openSimulation (the simulated Connect server across restarts)', () => {
    it('rebuilds the server from its journal: a restart mid-cycle answers as a server that never stopped', async () => {
        dir = mkdtempSync(join(tmpdir(), 'simulation-journal-'));
        const path = join(dir, 'simulated-connect.jsonl');
        const before = await firstLife(path, new ManualClock(T0), T0 + 15_000);
        expect((await before.getJob(target, 'job-1')).kind).toBe('running');
        expect(before.snapshot().runningCycle).not.toBeNull();

        // The host is gone; a new one starts two minutes later, with the same settings.
        const log = recordingLog();
        const after = await openSimulation(path, new ManualClock(T0 + 120_000), options, log);
        const never = await firstLife(null, new ManualClock(T0), T0 + 120_000);
        for (const name of ['job-1', 'job-2']) {
            const observed = await after.getJob(target, name);
            expect(observed.kind).toBe('finished');
            expect(observed).toEqual(await never.getJob(target, name));
        }
        expect(after.cycles()).toEqual(never.cycles());
        expect(after.stats()).toMatchObject({ jobsCreated: 2, createCalls: 2 });
        expect(log.lines).toEqual([expect.stringMatching(/resumed from .* \(3 input\(s\) replayed\)/)]);
    });

    it('writes an input before it takes effect, and drops a last line torn by a kill', async () => {
        dir = mkdtempSync(join(tmpdir(), 'simulation-journal-'));
        const path = join(dir, 'simulated-connect.jsonl');
        const clock = new ManualClock(T0);
        const server = await openSimulation(path, clock, options, recordingLog());
        await server.createJob(target, 'job-1', delta);
        expect(readFileSync(path, 'utf8')).toContain('"jobName":"job-1"');
        appendFileSync(path, '{"kind":"createJob","at":');
        const after = await openSimulation(path, new ManualClock(T0 + 60_000), options, recordingLog());
        expect((await after.getJob(target, 'job-1')).kind).toBe('finished');
        expect(after.stats().jobsCreated).toBe(1);
    });

    it('starts afresh when its settings changed, and answers not found for the jobs it had, as Automation does', async () => {
        dir = mkdtempSync(join(tmpdir(), 'simulation-journal-'));
        const path = join(dir, 'simulated-connect.jsonl');
        await firstLife(path, new ManualClock(T0), T0 + 15_000);
        const log = recordingLog();
        const after = await openSimulation(path, new ManualClock(T0 + 60_000), { ...options, deltaBaseMs: 5_000 }, log);
        expect(await after.getJob(target, 'job-1')).toEqual({ kind: 'notFound' });
        expect(log.lines).toEqual([
            expect.stringMatching(/starting afresh \(its SIMULATED_CONNECT_\* settings changed\)/),
        ]);
        // The new journal is the new server's: a further restart keeps what it does from now on.
        await after.createJob(target, 'job-3', delta);
        const again = await openSimulation(path, new ManualClock(T0 + 90_000), { ...options, deltaBaseMs: 5_000 }, log);
        expect((await again.getJob(target, 'job-3')).kind).not.toBe('notFound');
    });

    it('starts afresh on a file that is not its journal, and records nothing without a path', async () => {
        dir = mkdtempSync(join(tmpdir(), 'simulation-journal-'));
        const path = join(dir, 'simulated-connect.jsonl');
        writeFileSync(path, 'not a journal\n');
        const log = recordingLog();
        const server = await openSimulation(path, new ManualClock(T0), options, log);
        expect(log.lines[0]).toMatch(/starting afresh .* is not a journal of this version/);
        expect(server.stats().jobsCreated).toBe(0);
        const memory = await openSimulation(null, new ManualClock(T0), options, log);
        await memory.createJob(target, 'job-1', delta);
        expect(readFileSync(path, 'utf8')).not.toContain('job-1');
    });
});
