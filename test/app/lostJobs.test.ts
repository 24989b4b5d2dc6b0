import { describe, expect, it } from 'vitest';

import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { type Coordinator, createCoordinator } from '../../src/app/coordinator';
import type { TargetState } from '../../src/domain/targetState';
import { joinerAccepted, testTarget } from '../support/targets';

const target = testTarget();

interface World {
    readonly clock: ManualClock;
    readonly wakes: MemoryWakeScheduler;
    readonly jobs: MemoryAutomationJobs;
    readonly coordinator: Coordinator;
}

function world(): World {
    const clock = new ManualClock();
    const wakes = new MemoryWakeScheduler();
    const jobs = new MemoryAutomationJobs(clock);
    const coordinator = createCoordinator({
        store: new MemoryTargetStateStore(),
        wakes,
        jobs,
        telemetry: new MemoryTelemetry(),
        clock,
        targets: new Map([[target.targetId, target]]),
    });
    return { clock, wakes, jobs, coordinator };
}

/** Delivers wakes in time order until `done` holds or none is pending. */
async function deliverWakes(w: World, done: (state: TargetState) => boolean = () => false): Promise<TargetState> {
    for (let i = 0; i < 500; i++) {
        const state = await w.coordinator.readState(target.targetId);
        const next = w.wakes.nextAt();
        if (done(state) || next === null) return state;
        w.clock.set(Math.max(w.clock.now(), next));
        for (const wake of w.wakes.takeDue(w.clock.now())) await w.coordinator.onWake(wake.targetId, wake.token);
    }
    throw new Error('wakes did not settle');
}

function jobCreatedAt(state: TargetState): number {
    const ahead = state.runs?.ahead ?? null;
    if (ahead === null || ahead.phase === 'starting') throw new Error('no job');
    return ahead.jobCreatedAt;
}

describe('a job Automation no longer knows (issue 13 item 7)', () => {
    it('ends the run at the next poll as JobLost, and the next run starts without waiting for the timeout', async () => {
        const w = world();
        await w.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        await deliverWakes(w, (s) => s.runs?.ahead.phase === 'active');
        const lostAt = w.clock.now();
        w.jobs.jobs.clear(); // deleted, or the account restored from a backup

        await w.coordinator.acceptChanges(target.targetId, joinerAccepted('r2'));
        const state = await deliverWakes(w, (s) => s.history.length >= 1);
        const lost = state.history[0];
        expect(lost).toMatchObject({ seq: 1, report: { outcome: 'JobLost' } });
        expect(lost?.report.reason).toContain('no job');
        // Within the poll back-off, not the run timeout plus stop grace.
        expect((lost?.endedAt ?? Number.POSITIVE_INFINITY) - lostAt).toBeLessThanOrEqual(
            target.timing.pollMaxIntervalMs,
        );

        const after = await deliverWakes(w);
        expect(after.history[0]).toMatchObject({ seq: 2, report: { outcome: 'Succeeded' } });
    });

    it('after lost wakes past the run timeout, reads the job before stopping it: a finished job keeps its result', async () => {
        const w = world();
        await w.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        await deliverWakes(w, (s) => s.runs?.ahead.phase === 'active');
        const createdAt = jobCreatedAt(await w.coordinator.readState(target.targetId));
        // Every wake is lost; the reconcile timer comes back after the run timeout. The job finished long ago.
        w.wakes.clear();
        w.clock.set(createdAt + target.timing.runTimeoutMs + 1);
        await w.coordinator.reconcile(target.targetId);

        const state = await w.coordinator.readState(target.targetId);
        expect(state.runs).toBeNull();
        expect(state.history[0]).toMatchObject({ seq: 1, report: { outcome: 'Succeeded' } });
        expect([...w.jobs.jobs.values()].every((j) => j.stoppedAt === null)).toBe(true);
    });

    it('after lost wakes past the run timeout, a lost job is JobLost, not WorkerOffline', async () => {
        const w = world();
        await w.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        await deliverWakes(w, (s) => s.runs?.ahead.phase === 'active');
        const createdAt = jobCreatedAt(await w.coordinator.readState(target.targetId));
        w.wakes.clear();
        w.jobs.jobs.clear();
        w.clock.set(createdAt + target.timing.runTimeoutMs + 1);
        await w.coordinator.reconcile(target.targetId);

        const state = await w.coordinator.readState(target.targetId);
        expect(state.runs).toBeNull();
        expect(state.history[0]).toMatchObject({ seq: 1, report: { outcome: 'JobLost' } });
    });
});
