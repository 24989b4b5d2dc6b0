import { describe, expect, it } from 'vitest';

import { type BenchRunbook, benchRunbookFactories } from '../../bench/runbooks';
import { ManualClock } from '../../src/adapters/memory';
import {
    type SimulatedConnectOptions,
    SimulatedConnectServer,
} from '../../src/adapters/simulatedConnect/connectServer';
import type { JobObservation } from '../../src/domain/jobObservation';
import type { SyncJobParameters } from '../../src/ports/automationJobs';
import { testTarget } from '../support/targets';

/*
 * The comparison bench's other runbooks (bench/runbooks.ts) on the simulated Connect server: the scripts that
 * retry on busy, the Laparoscope guard and the physical floor.
 */
const target = testTarget();
const delta: SyncJobParameters = { PolicyType: 'Delta', TimeoutSeconds: 3600, CorrelationId: 'c'.repeat(32) };

/** No randomness in timing, no scheduler: every figure in these tests follows from the options. */
const exact: Partial<SimulatedConnectOptions> = {
    pickupJitterMs: 0,
    durationJitter: 0,
    schedulerIntervalMs: 0,
    busyPollMs: 1,
};

function setup(options: Partial<SimulatedConnectOptions>, runbooks: Readonly<Record<string, BenchRunbook>>) {
    const clock = new ManualClock(0);
    const merged = { ...exact, ...options };
    const server = new SimulatedConnectServer(clock, merged, benchRunbookFactories(runbooks, 3_000));
    return { clock, server };
}

function finished(o: JobObservation): Extract<JobObservation, { kind: 'finished' }> {
    if (o.kind !== 'finished') throw new Error(`expected finished, got ${o.kind}`);
    return o;
}

describe('bench runbooks on the simulated Connect server', () => {
    it('plays scripts that retry on busy, and the Laparoscope guard', async () => {
        const { clock, server } = setup(
            { deltaBaseMs: 600_000 },
            {
                'Invoke-ADConnect': { kind: 'retryOnBusy', attempts: 10, intervalMs: 30_000 },
                'Laparoscope-Guard': { kind: 'skipIfRecent', withinMs: 1_200_000 },
            },
        );
        const script = { ...target, runbook: 'Invoke-ADConnect' };
        const guard = { ...target, runbook: 'Laparoscope-Guard' };
        await server.createJob(script, 's1', delta);
        await server.createJob(script, 's2', delta);
        clock.set(900_000);
        const s1 = finished(await server.getJob(script, 's1'));
        const s2 = finished(await server.getJob(script, 's2'));
        expect([s1.status, s2.status].sort()).toEqual(['Completed', 'Failed']);
        expect(server.stats().busyErrors).toBe(10);
        await server.createJob(guard, 'g1', delta);
        clock.set(1_000_000);
        expect(finished(await server.getJob(guard, 'g1')).report.reason).toMatch(/Skipped/);
        expect(server.cycles()).toHaveLength(1);
    });
});

describe('SimulatedConnectServer: the physical floor (startWhenFree)', () => {
    const floor = { ...target, runbook: 'Physical-Floor' };
    const floorOptions: Partial<SimulatedConnectOptions> = {
        workerPollIntervalMs: 30_000,
        pickupJitterMs: 5_000,
        deltaBaseMs: 40_000,
        durationJitter: 0.1,
    };
    const floorRunbook = { 'Physical-Floor': { kind: 'startWhenFree' } } as const;

    it('starts at the worker’s poll with no start-up, and its cycle runs as fast as the jitter allows', async () => {
        // The same server (same seed: same poll phase) once with this project's runbook, once with the floor.
        const ours = setup({ ...floorOptions, pickupJitterMs: 20_000 }, floorRunbook);
        const best = setup({ ...floorOptions, pickupJitterMs: 20_000 }, floorRunbook);
        await ours.server.createJob(target, 'joiner', delta);
        await best.server.createJob(floor, 'joiner', delta);
        ours.clock.set(300_000);
        best.clock.set(300_000);
        const [usual] = ours.server.cycles();
        const [fastest] = best.server.cycles();
        const poll = fastest?.importStartedAt ?? -1;
        expect(poll).toBeGreaterThan(0);
        expect(poll).toBeLessThanOrEqual(30_000);
        // The usual job starts at that same poll plus its start-up.
        expect(usual?.importStartedAt ?? 0).toBeGreaterThanOrEqual(poll);
        expect(usual?.importStartedAt ?? Infinity).toBeLessThanOrEqual(poll + 20_000);
        expect((fastest?.endedAt ?? 0) - poll).toBe(36_000);
    });

    it('starts the instant the running cycle ends, once for all the jobs waiting, and never again for covered ones', async () => {
        const { clock, server } = setup({ ...floorOptions, deltaBaseMs: 100_000 }, floorRunbook);
        await server.createJob(floor, 'first', delta);
        clock.set(31_000);
        const [first] = server.cycles();
        await server.createJob(floor, 'second', delta);
        clock.set(32_000);
        await server.createJob(floor, 'third', delta);
        clock.set(600_000);
        const cycles = server.cycles();
        expect(cycles).toHaveLength(2);
        expect(cycles[0]?.id).toBe(first?.id);
        expect(cycles[1]?.importStartedAt).toBe(cycles[0]?.endedAt);
        for (const name of ['first', 'second', 'third']) {
            expect(finished(await server.getJob(floor, name)).report.outcome).toBe('Succeeded');
        }
        expect(server.stats()).toMatchObject({ busyErrors: 0, jobsCreated: 3 });
    });

    it('lets a cycle that started after the change cover it without a cycle of its own', async () => {
        const { clock, server } = setup(
            { ...floorOptions, schedulerIntervalMs: 1_800_000, schedulerPhaseMs: 5_000 },
            floorRunbook,
        );
        await server.createJob(floor, 'joiner', delta);
        clock.set(300_000);
        // Created at 0, the scheduler's cycle started at 5 s (before the worker's poll): it covers the change.
        expect(server.cycles().map((c) => c.trigger)).toEqual(['scheduler']);
        expect(finished(await server.getJob(floor, 'joiner')).report.outcome).toBe('Succeeded');
    });
});
