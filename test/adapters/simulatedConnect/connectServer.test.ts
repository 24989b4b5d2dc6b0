import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
    ManualClock,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../../src/adapters/memory';
import {
    DEFAULT_SIMULATED_CONNECT,
    type SimulatedConnectOptions,
    SimulatedConnectServer,
} from '../../../src/adapters/simulatedConnect/connectServer';
import { createCoordinator } from '../../../src/app/coordinator';
import { simulatedConnectOptionsFromEnv } from '../../../src/config/simulatedConnectSettings';
import type { JobObservation } from '../../../src/domain/jobObservation';
import type { SyncJobParameters } from '../../../src/ports/automationJobs';
import { joinerAccepted, testTarget } from '../../support/targets';

const target = testTarget();
const delta: SyncJobParameters = { PolicyType: 'Delta', TimeoutSeconds: 3600, CorrelationId: 'c'.repeat(32) };

/** No randomness in timing, no scheduler: every figure in these tests follows from the options. */
const exact: Partial<SimulatedConnectOptions> = {
    pickupJitterMs: 0,
    durationJitter: 0,
    schedulerIntervalMs: 0,
    busyPollMs: 1,
};

function setup(options: Partial<SimulatedConnectOptions> = {}) {
    const clock = new ManualClock(0);
    const server = new SimulatedConnectServer(clock, { ...exact, ...options });
    return { clock, server };
}

function finished(o: JobObservation): Extract<JobObservation, { kind: 'finished' }> {
    if (o.kind !== 'finished') throw new Error(`expected finished, got ${o.kind}`);
    return o;
}

describe('SimulatedConnectServer', () => {
    it('picks a job up at the worker’s next poll and reports the cycle like the real runbook', async () => {
        const { clock, server } = setup({ workerPollIntervalMs: 30_000, deltaBaseMs: 40_000 });
        expect((await server.createJob(target, 'job-1', delta)).kind).toBe('queued');
        // The worker's poll phase is seeded; within one interval the job is picked up.
        clock.set(30_000);
        expect((await server.getJob(target, 'job-1')).kind).toBe('running');
        clock.set(200_000);
        const done = finished(await server.getJob(target, 'job-1'));
        expect(done.status).toBe('Completed');
        expect(done.report.outcome).toBe('Succeeded');
        const cycleStart = done.report.cycleStartedAt ?? -1;
        // The runbook sees the end at its second idle reading in a row: polls 1 ms apart here (busyPollMs: 1).
        expect(server.cycles()[0]?.endedAt).toBe(cycleStart + 40_000);
        expect(done.report.cycleEndedAt).toBe(cycleStart + 40_000 + 1);
        expect(done.startedAt).toBe(cycleStart);
        expect(cycleStart).toBeGreaterThan(0);
        expect(cycleStart).toBeLessThanOrEqual(30_000);
        expect(done.endedAt).toBe(cycleStart + 40_000 + 1 + 3_000);
        // The evidence of coverage the runbook reports: its import started with the cycle.
        expect(done.report.importStartedAt).toBe(server.cycles()[0]?.importStartedAt);
        expect(done.report.importStartedAt).toBe(cycleStart);
        expect(done.report.connectors?.map((c) => c.runProfile)).toEqual([
            'Delta Import',
            'Delta Synchronization',
            'Export',
        ]);
        expect(server.stats()).toMatchObject({ jobsCreated: 1, createCalls: 1, getCalls: 2 });
    });

    it('makes a cycle longer for every change it imports, and much longer for Initial', async () => {
        const { clock, server } = setup({ perChangeMs: 10, deltaBaseMs: 40_000, initialBaseMs: 600_000 });
        server.recordChanges(1_000);
        await server.createJob(target, 'delta', delta);
        clock.set(3_600_000);
        server.recordChanges(5);
        await server.createJob(target, 'initial', { ...delta, PolicyType: 'Initial' });
        clock.set(7_200_000);
        const [first, second] = server.cycles();
        expect(first).toMatchObject({ policy: 'Delta', changesImported: 1_000, trigger: 'job', jobName: 'delta' });
        expect((first?.endedAt ?? 0) - (first?.importStartedAt ?? 0)).toBe(40_000 + 10_000);
        expect(second).toMatchObject({ policy: 'Initial', changesImported: 5 });
        expect((second?.endedAt ?? 0) - (second?.importStartedAt ?? 0)).toBe(600_050);
    });

    it('runs the built-in scheduler, and our runbook waits for its cycle and starts after it', async () => {
        const { clock, server } = setup({
            schedulerIntervalMs: 1_800_000,
            schedulerPhaseMs: 10_000,
            workerPollIntervalMs: 30_000,
            deltaBaseMs: 120_000,
        });
        server.recordChanges(3);
        await server.createJob(target, 'ours', delta);
        clock.set(1_000_000);
        const done = finished(await server.getJob(target, 'ours'));
        const cycles = server.cycles();
        expect(cycles.map((c) => c.trigger)).toEqual(['scheduler', 'job']);
        expect(cycles[0]?.changesImported).toBe(3);
        // The scheduler cycle may have imported before the change that asked for ours: ours runs after it.
        expect(done.report.cycleStartedAt ?? 0).toBeGreaterThan(cycles[0]?.endedAt ?? Infinity);
        expect(server.stats().busyWaits).toBe(1);
        expect(server.stats().busyErrors).toBe(0);
        clock.set(1_810_000 + 1);
        expect(server.cycles()).toHaveLength(3);
    });

    it('skips a scheduler tick that finds a cycle running', () => {
        const { clock, server } = setup({ schedulerIntervalMs: 60_000, schedulerPhaseMs: 60_000, deltaBaseMs: 90_000 });
        clock.set(60_000);
        server.recordChanges(0);
        clock.set(125_000);
        expect(server.stats().schedulerSkips).toBe(1);
        expect(server.cycles()).toHaveLength(1);
    });

    it('never syncs a staging server', async () => {
        const { clock, server } = setup({ stagingMode: true, schedulerIntervalMs: 1_800_000, schedulerPhaseMs: 1 });
        await server.createJob(target, 'job', delta);
        clock.set(600_000);
        const done = finished(await server.getJob(target, 'job'));
        expect(done.report.outcome).toBe('SkippedStagingMode');
        expect(server.cycles().every((c) => !c.exported)).toBe(true);
    });

    it('reports a suspended scheduler', async () => {
        const { clock, server } = setup({ schedulerSuspended: true });
        await server.createJob(target, 'job', delta);
        clock.set(600_000);
        expect(finished(await server.getJob(target, 'job')).report.outcome).toBe('SkippedSchedulerSuspended');
        expect(server.cycles()).toHaveLength(0);
    });

    it('reports export errors per connector', async () => {
        const { clock, server } = setup({ exportErrorRate: 1 });
        server.recordChanges(50);
        await server.createJob(target, 'job', delta);
        clock.set(600_000);
        const done = finished(await server.getJob(target, 'job'));
        expect(done.status).toBe('Completed');
        expect(done.report.outcome).toBe('CompletedWithExportErrors');
        expect(done.report.exportErrors).toBeGreaterThan(0);
        expect(done.report.connectors?.at(-1)).toMatchObject({ result: 'completed-export-errors' });
    });

    it('fails a runbook outright when told to', async () => {
        const { clock, server } = setup({ failureRate: 1 });
        await server.createJob(target, 'job', delta);
        clock.set(600_000);
        const done = finished(await server.getJob(target, 'job'));
        expect(done.status).toBe('Failed');
        expect(done.report.outcome).toBe('Failed');
        expect(server.cycles()).toHaveLength(0);
    });

    it('refuses creates with 503 when Automation throttles', async () => {
        const { server } = setup({ createFailureRate: 1 });
        await expect(server.createJob(target, 'job', delta)).rejects.toMatchObject({
            code: 'DEPENDENCY_TRANSIENT',
            statusCode: 503,
        });
        expect(server.stats().jobsCreated).toBe(0);
    });

    it('keeps jobs queued while the worker is offline and runs them when it returns', async () => {
        const { clock, server } = setup({ worker: 'offline' });
        await server.createJob(target, 'job', delta);
        clock.set(3_600_000);
        expect(await server.getJob(target, 'job')).toEqual({ kind: 'queued', status: 'New' });
        server.setWorker('online');
        clock.set(3_800_000);
        expect(finished(await server.getJob(target, 'job')).report.outcome).toBe('Succeeded');
    });

    it('leaves a job running forever on a hung worker until it is stopped', async () => {
        const { clock, server } = setup({ worker: 'hung' });
        await server.createJob(target, 'job', delta);
        clock.set(86_400_000);
        expect((await server.getJob(target, 'job')).kind).toBe('running');
        await server.stopJob(target, 'job');
        const done = finished(await server.getJob(target, 'job'));
        expect(done.status).toBe('Stopped');
        expect(done.report.outcome).toBe('Stopped');
    });

    it('reports TimedOut when the cycle outlasts the runbook timeout', async () => {
        const { clock, server } = setup({ deltaBaseMs: 600_000 });
        await server.createJob(target, 'job', { ...delta, TimeoutSeconds: 120 });
        clock.set(3_600_000);
        expect(finished(await server.getJob(target, 'job')).report.outcome).toBe('TimedOut');
    });

    it('reports BusyTimeout when someone else’s cycle outlasts the wait limit', async () => {
        const { clock, server } = setup({ initialBaseMs: 3_000_000, busyWaitTimeoutMs: 60_000 });
        await server.createJob(target, 'full', { ...delta, PolicyType: 'Initial' });
        clock.set(100_000);
        await server.createJob(target, 'delta', delta);
        clock.set(1_000_000);
        expect(finished(await server.getJob(target, 'delta')).report.outcome).toBe('BusyTimeout');
    });

    it('answers a repeated create with the existing job', async () => {
        const { server } = setup();
        await server.createJob(target, 'job', delta);
        await server.createJob(target, 'job', delta);
        expect(server.stats()).toMatchObject({ jobsCreated: 1, createCalls: 2 });
    });

    it('answers for a job it does not have as Automation does, through the real adapter: not found, and nothing to stop', async () => {
        const { server } = setup();
        await server.createJob(target, 'job', delta);
        expect(await server.getJob(target, 'other')).toEqual({ kind: 'notFound' });
        await expect(server.stopJob(target, 'other')).resolves.toBeUndefined();
        expect(server.stats()).toMatchObject({ jobsCreated: 1, getCalls: 1, stopCalls: 1 });
    });

    it('replays the same history from the same seed', async () => {
        async function history(seed: number) {
            const clock = new ManualClock(0);
            const server = new SimulatedConnectServer(clock, { seed, exportErrorRate: 0.5 });
            for (let i = 0; i < 20; i++) {
                server.recordChanges(i * 7);
                await server.createJob(target, `job-${i}`, delta);
                clock.advance(400_000);
            }
            return server.cycles();
        }
        expect(await history(42)).toEqual(await history(42));
        expect(await history(42)).not.toEqual(await history(43));
    });

    it('drives the real coordinator from a joiner to a Succeeded run', async () => {
        const clock = new ManualClock(0);
        const server = new SimulatedConnectServer(clock, { seed: 7 });
        const wakes = new MemoryWakeScheduler();
        const coordinator = createCoordinator({
            store: new MemoryTargetStateStore(),
            wakes,
            jobs: server,
            telemetry: new MemoryTelemetry(),
            clock,
            targets: new Map([[target.targetId, target]]),
        });
        server.recordChanges(1);
        await coordinator.acceptChanges('contoso', joinerAccepted());
        for (let next = wakes.nextAt(); next !== null && next < 3_600_000; next = wakes.nextAt()) {
            clock.set(next);
            for (const w of wakes.takeDue(clock.now())) await coordinator.onWake(w.targetId, w.token);
        }
        const state = await coordinator.readState('contoso');
        expect(state.history[0]?.report.outcome).toBe('Succeeded');
        expect(state.history[0]?.report?.cycleStartedAt ?? 0).toBeGreaterThan(0);
        expect(server.cycles().filter((c) => c.trigger === 'job')).toHaveLength(1);
    });
});

describe('simulatedConnectOptionsFromEnv', () => {
    it('uses the registered defaults and reads overrides', () => {
        expect(simulatedConnectOptionsFromEnv({})).toMatchObject({
            workerPollIntervalMs: 30_000,
            deltaBaseMs: 40_000,
            // The runbook's PollSeconds default.
            busyPollMs: 5_000,
            schedulerIntervalMs: 1_800_000,
            stagingMode: false,
            worker: 'online',
        });
        expect(
            simulatedConnectOptionsFromEnv({
                SIMULATED_CONNECT_WORKER_POLL_SECONDS: '0.5',
                SIMULATED_CONNECT_SCHEDULER_MINUTES: '0',
                SIMULATED_CONNECT_STAGING_MODE: 'true',
                SIMULATED_CONNECT_WORKER: 'hung',
            }),
        ).toMatchObject({ workerPollIntervalMs: 500, schedulerIntervalMs: 0, stagingMode: true, worker: 'hung' });
        // A fast local profile (1 s cycles) polls as much faster; a long cycle does not poll slower than the runbook.
        expect(simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_CYCLE_SECONDS: '1' }).busyPollMs).toBe(125);
        expect(simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_CYCLE_SECONDS: '600' }).busyPollMs).toBe(5_000);
        expect(simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_CYCLE_SECONDS: '0' }).busyPollMs).toBe(1);
    });

    it('names the bad setting', () => {
        expect(() => simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_FAILURE_RATE: '2' })).toThrow(
            /SIMULATED_CONNECT_FAILURE_RATE/,
        );
        expect(() => simulatedConnectOptionsFromEnv({ SIMULATED_CONNECT_WORKER: 'asleep' })).toThrow(
            /SIMULATED_CONNECT_WORKER/,
        );
    });
});

describe('SimulatedConnectServer: a second job while a cycle runs (the trailing job)', () => {
    it('waits for the running cycle to end, then runs its own cycle and reports that cycle’s import start', async () => {
        const { clock, server } = setup({ workerPollIntervalMs: 30_000, deltaBaseMs: 120_000, busyPollMs: 10_000 });
        server.recordChanges(1);
        await server.createJob(target, 'running', delta);
        clock.set(60_000);
        const first = server.cycles()[0];
        expect(first?.jobName).toBe('running');
        // A change during the first cycle, and at once the job that is to cover it.
        server.recordChanges(1);
        await server.createJob(target, 'trailing', delta);
        clock.set(100_000);
        expect(await server.getJob(target, 'trailing')).toMatchObject({ kind: 'running' });
        expect(server.cycles()).toHaveLength(1);
        clock.set(600_000);
        const trailing = finished(await server.getJob(target, 'trailing'));
        const [ended, second] = server.cycles();
        expect(second).toMatchObject({ jobName: 'trailing', changesImported: 1 });
        expect(ended?.endedAt).toBe((first?.importStartedAt ?? 0) + 120_000 + 10);
        expect(second?.importStartedAt ?? 0).toBeGreaterThan(ended?.endedAt ?? Infinity);
        expect(trailing.report).toMatchObject({ outcome: 'Succeeded', importStartedAt: second?.importStartedAt });
        expect(server.stats()).toMatchObject({ busyWaits: 1, busyErrors: 0, jobsCreated: 2 });
    });
});

describe('SimulatedConnectServer: the waiting runbook’s bounds are the real runbook’s', () => {
    it('counts TimeoutSeconds from the start of its own cycle, not from the wait before it', async () => {
        const { clock, server } = setup({ workerPollIntervalMs: 30_000, initialBaseMs: 600_000, deltaBaseMs: 300_000 });
        await server.createJob(target, 'full', { ...delta, PolicyType: 'Initial' });
        clock.set(60_000);
        // Waits about 10 minutes for the full sync, then runs 5 minutes: well within 12 minutes of its own start.
        await server.createJob(target, 'delta', { ...delta, TimeoutSeconds: 720 });
        clock.set(3_600_000);
        expect(finished(await server.getJob(target, 'delta')).report.outcome).toBe('Succeeded');
    });

    it('waits for someone else’s cycle as long as the runbook’s BusyWaitSeconds default, which the service does not pass', () => {
        const runbook = readFileSync(join(__dirname, '../../../infra/runbooks/Start-EntraSyncCycle.ps1'), 'utf8');
        const busyWaitSeconds = /\[int\] \$BusyWaitSeconds = (\d+)/.exec(runbook)?.[1];
        expect(busyWaitSeconds).toBeDefined();
        expect(DEFAULT_SIMULATED_CONNECT.busyWaitTimeoutMs).toBe(Number(busyWaitSeconds) * 1000);
        const parameters: (keyof SyncJobParameters)[] = ['PolicyType', 'TimeoutSeconds', 'CorrelationId'];
        expect(Object.keys(delta).sort()).toEqual([...parameters].sort());
    });

    it('polls as often as the runbook’s PollSeconds default, which the service does not pass', () => {
        const runbook = readFileSync(join(__dirname, '../../../infra/runbooks/Start-EntraSyncCycle.ps1'), 'utf8');
        const pollSeconds = /\[int\] \$PollSeconds = (\d+)/.exec(runbook)?.[1];
        expect(pollSeconds).toBeDefined();
        expect(DEFAULT_SIMULATED_CONNECT.busyPollMs).toBe(Number(pollSeconds) * 1000);
    });
});

/**
 * This project's runbook as written, timed exactly: the worker picks a job up 1 ms after its creation, cycles last
 * exactly deltaBaseMs, and the runbook reads the server every 10 s from its own phase (Wait-SyncCycleIdle).
 */
describe('SimulatedConnectServer: this project’s runbook reads the server at its own polls', () => {
    const timed: Partial<SimulatedConnectOptions> = {
        workerPollIntervalMs: 1,
        busyPollMs: 10_000,
        deltaBaseMs: 125_000,
    };
    const at = (ms: number) => new Date(ms).toISOString();

    it('a waiting runbook starts at its second idle reading in a row, 1 to 2 of its polls after the end', async () => {
        const { clock, server } = setup(timed);
        await server.createJob(target, 'running', delta);
        clock.set(63_000);
        await server.createJob(target, 'trailing', delta);
        clock.set(1_000_000);
        const [first, second] = server.cycles();
        // The first cycle: 1 ms to 125 001 ms. The trailing job, picked up at 63 001, reads busy at 63 001 + k * 10 s
        // until 123 001, idle at 133 001, idle again at 143 001: it starts there, 18 s after the end.
        expect(first?.endedAt).toBe(125_001);
        expect(second).toMatchObject({ jobName: 'trailing', importStartedAt: 143_001 });
        const trailing = finished(await server.getJob(target, 'trailing'));
        expect(trailing.report.importStartedAt).toBe(143_001);
        expect(server.stats()).toMatchObject({ busyWaits: 1, busyErrors: 0 });
    });

    it('the owning runbook sees its own cycle end the same way: cycleEndedAt and the job end lag the real end', async () => {
        const { clock, server } = setup(timed);
        await server.createJob(target, 'alone', delta);
        clock.set(1_000_000);
        const [cycle] = server.cycles();
        const done = finished(await server.getJob(target, 'alone'));
        // Started at 1; after one poll of sleep it reads at 10 001 + k * 10 s: busy until 120 001, idle at 130 001
        // and 140 001. The cycle itself ended at 125 001.
        expect(cycle?.endedAt).toBe(125_001);
        expect(done.report).toMatchObject({ cycleStartedAt: 1, importStartedAt: 1, cycleEndedAt: 140_001 });
        expect(done.endedAt).toBe(140_001 + 3_000);
    });

    it('an owner whose second idle reading falls in the next cycle ends at its first one and reports only its own cycle', async () => {
        const { clock, server } = setup(timed);
        server.recordChanges(1);
        await server.createJob(target, 'owner', delta);
        clock.set(57_000);
        server.recordChanges(5);
        await server.createJob(target, 'trailing', delta);
        clock.set(1_000_000);
        const [first, second] = server.cycles();
        // The first cycle ends at 125 011 (10 ms for its change). The trailing job reads idle at 127 001 and 137 001
        // and starts; the owner read idle at 130 001 and busy at 140 001, where the run history shows the next
        // cycle: its own ended at 130 001 (Wait-OwnCycleEnd).
        expect(first?.endedAt).toBe(125_011);
        expect(second).toMatchObject({ jobName: 'trailing', importStartedAt: 137_001, changesImported: 5 });
        const owner = finished(await server.getJob(target, 'owner'));
        expect(owner.report).toMatchObject({ cycleStartedAt: 1, importStartedAt: 1, cycleEndedAt: 130_001 });
        expect(owner.endedAt).toBe(140_001 + 3_000);
        // Its connectors are its own cycle's (1 change), not the next one's (5).
        expect(owner.report.connectors?.map((c) => c.updates)).toEqual([1, 1, 1]);
        // The trailing job's own cycle runs to 262 051; it reads idle at 267 001 and 277 001.
        const trailing = finished(await server.getJob(target, 'trailing'));
        expect(trailing.report).toMatchObject({ importStartedAt: 137_001, cycleEndedAt: 277_001 });
    });

    it('an owner that sees idle twice before the next cycle starts ends at its second idle reading, as before', async () => {
        const { clock, server } = setup(timed);
        await server.createJob(target, 'owner', delta);
        clock.set(63_000);
        await server.createJob(target, 'trailing', delta);
        clock.set(1_000_000);
        const [, second] = server.cycles();
        // The owner reads idle at 130 001 and 140 001; the trailing job at 133 001 and 143 001, and starts there.
        expect(second).toMatchObject({ jobName: 'trailing', importStartedAt: 143_001 });
        const owner = finished(await server.getJob(target, 'owner'));
        expect(owner.report).toMatchObject({ importStartedAt: 1, cycleEndedAt: 140_001 });
        expect(owner.endedAt).toBe(140_001 + 3_000);
    });

    it('an owner whose next cycle starts less than a poll after its end, with no idle reading between, reports its own end (issue 25 item 13)', async () => {
        const { clock, server } = setup(timed);
        // The queued job is picked up first, finds the server idle and sleeps until its NotBefore (127 000); the
        // job ahead is picked up next and starts at once.
        await server.createJob(target, 'queued', { ...delta, NotBefore: at(127_000) });
        server.recordChanges(1);
        await server.createJob(target, 'ahead', delta);
        clock.set(1_000_000);
        const [ahead, queued] = server.cycles();
        // Ahead: 1 to 125 011. The queued job wakes at 127 001, reads idle once and starts: its cycle runs from
        // 127 001, so ahead's reading at 130 001 is busy, and no reading of ahead's runbook was idle in between.
        expect(ahead).toMatchObject({ jobName: 'ahead', importStartedAt: 1, endedAt: 125_011 });
        expect(queued).toMatchObject({ jobName: 'queued', importStartedAt: 127_001 });
        const done = finished(await server.getJob(target, 'ahead'));
        // The run history tells: the cycle running at 130 001 is the next one, and its own last run ended at 125 011.
        expect(done.report).toMatchObject({ outcome: 'Succeeded', importStartedAt: 1, cycleEndedAt: 125_011 });
        expect(done.endedAt).toBe(130_001 + 3_000);
        // Its connectors are its own cycle's (1 change), not the next one's.
        expect(done.report.connectors?.map((c) => c.updates)).toEqual([1, 1, 1]);
    });

    it('an owner whose next cycle is the scheduler’s, started less than a poll after its end, reports its own end too', async () => {
        const { clock, server } = setup({ ...timed, schedulerIntervalMs: 3_600_000, schedulerPhaseMs: 127_001 });
        await server.createJob(target, 'alone', delta);
        clock.set(1_000_000);
        const [ours, scheduler] = server.cycles();
        expect(ours).toMatchObject({ jobName: 'alone', endedAt: 125_001 });
        expect(scheduler).toMatchObject({ trigger: 'scheduler', importStartedAt: 127_001 });
        const done = finished(await server.getJob(target, 'alone'));
        expect(done.report).toMatchObject({ cycleStartedAt: 1, cycleEndedAt: 125_001 });
        expect(done.endedAt).toBe(130_001 + 3_000);
    });

    it('starts no earlier than NotBefore: it sleeps whole seconds until then', async () => {
        const { clock, server } = setup(timed);
        await server.createJob(target, 'later', { ...delta, NotBefore: at(120_000) });
        clock.set(1_000_000);
        // Picked up at 1, idle: Start-Sleep -Seconds 120 (rounded up) wakes it at 120 001.
        expect(server.cycles().map((c) => c.importStartedAt)).toEqual([120_001]);
        expect(finished(await server.getJob(target, 'later')).report.outcome).toBe('Succeeded');
    });

    it('starts at once when NotBefore is past', async () => {
        const { clock, server } = setup(timed);
        clock.set(5_000);
        await server.createJob(target, 'now', { ...delta, NotBefore: at(0) });
        clock.set(1_000_000);
        expect(server.cycles().map((c) => c.importStartedAt)).toEqual([5_001]);
    });

    it('after NotBefore, waits again for a cycle someone started while it slept', async () => {
        const { clock, server } = setup({
            ...timed,
            deltaBaseMs: 60_000,
            schedulerIntervalMs: 3_600_000,
            schedulerPhaseMs: 100_000,
        });
        await server.createJob(target, 'later', { ...delta, NotBefore: at(120_000) });
        clock.set(1_000_000);
        const [scheduler, ours] = server.cycles();
        // The scheduler's cycle runs 100 000 to 160 000; woken at 120 001, the runbook reads busy, then idle at
        // 160 001 and 170 001.
        expect(scheduler).toMatchObject({ trigger: 'scheduler', importStartedAt: 100_000, endedAt: 160_000 });
        expect(ours).toMatchObject({ jobName: 'later', importStartedAt: 170_001 });
        expect(server.stats()).toMatchObject({ busyWaits: 1, busyErrors: 0 });
    });

    it('reports BusyTimeout at once when NotBefore lies beyond the busy budget', async () => {
        const { clock, server } = setup({ ...timed, busyWaitTimeoutMs: 60_000 });
        await server.createJob(target, 'too-late', { ...delta, NotBefore: at(120_000) });
        clock.set(10_000);
        const done = finished(await server.getJob(target, 'too-late'));
        expect(done.report.outcome).toBe('BusyTimeout');
        expect(done.endedAt).toBe(1);
        expect(server.cycles()).toHaveLength(0);
    });

    it('fails at binding, touching nothing, on a NotBefore the runbook refuses', async () => {
        const refused = ['2026-12-01T06:00:00+01:00', '2026-02-30T06:00:00Z', '2026-12-01T06:60:00Z', 'tomorrow'];
        const { clock, server } = setup(timed);
        for (const [i, text] of refused.entries())
            await server.createJob(target, `bad-${i}`, { ...delta, NotBefore: text });
        clock.set(1_000_000);
        for (const i of refused.keys()) {
            const done = finished(await server.getJob(target, `bad-${i}`));
            expect(done.status).toBe('Failed');
            expect(done.report.reason).toMatch(/NotBefore/);
        }
        expect(server.cycles()).toHaveLength(0);
    });
});
