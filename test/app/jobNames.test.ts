import { describe, expect, it } from 'vitest';

import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { type Coordinator, createCoordinator } from '../../src/app/coordinator';
import { jobNameFor, newEpoch } from '../../src/app/jobName';
import type { TargetState } from '../../src/domain/targetState';
import { joinerAccepted, testTarget } from '../support/targets';

const target = testTarget();
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface World {
    readonly clock: ManualClock;
    readonly wakes: MemoryWakeScheduler;
    readonly jobs: MemoryAutomationJobs;
    readonly store: MemoryTargetStateStore;
    readonly coordinator: Coordinator;
}

/** One deployment: its own state table and wake queue, on a clock and an Automation account given to it. */
function deployment(clock: ManualClock, jobs: MemoryAutomationJobs, store = new MemoryTargetStateStore()): World {
    const wakes = new MemoryWakeScheduler();
    const coordinator = createCoordinator({
        store,
        wakes,
        jobs,
        telemetry: new MemoryTelemetry(),
        clock,
        targets: new Map([[target.targetId, target]]),
    });
    return { clock, wakes, jobs, store, coordinator };
}

/** Delivers wakes in time order until none is pending (or a bound is reached). */
async function runToIdle(world: World): Promise<TargetState> {
    for (let i = 0; i < 200; i++) {
        const next = world.wakes.nextAt();
        if (next === null) break;
        world.clock.set(Math.max(world.clock.now(), next));
        for (const w of world.wakes.takeDue(world.clock.now())) await world.coordinator.onWake(w.targetId, w.token);
    }
    return world.coordinator.readState(target.targetId);
}

describe('job names are unique per state lifetime (issue 13 item 6)', () => {
    it('a state that was lost runs a new job for its first window instead of adopting the old job', async () => {
        const clock = new ManualClock();
        const jobs = new MemoryAutomationJobs(clock);
        const before = deployment(clock, jobs);
        await before.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        const first = await runToIdle(before);
        expect(first.history[0]?.report.outcome).toBe('Succeeded');
        expect(jobs.jobs.size).toBe(1);

        // The state table is lost (or recreated, or restored from before run 1): seq starts at 1 again.
        clock.advance(3_600_000);
        const after = deployment(clock, jobs);
        const seq = await after.coordinator.acceptChanges(target.targetId, joinerAccepted('r2'));
        expect(seq).toBe(1);
        const second = await runToIdle(after);

        expect(jobs.jobs.size).toBe(2);
        const run = second.history[0];
        expect(run?.report.outcome).toBe('Succeeded');
        // The cycle that covers r2 ran after r2 was accepted, in a job of its own.
        expect(run?.job?.name).not.toBe(first.history[0]?.job?.name);
        expect(run?.job?.startedAt ?? 0).toBeGreaterThan(first.history[0]?.endedAt ?? Number.POSITIVE_INFINITY);
    });

    it('two deployments sharing one Automation account never share a job name', async () => {
        const clock = new ManualClock();
        const jobs = new MemoryAutomationJobs(clock);
        const east = deployment(clock, jobs);
        const west = deployment(clock, jobs);
        await east.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        await west.coordinator.acceptChanges(target.targetId, joinerAccepted('r1'));
        await runToIdle(east);
        await runToIdle(west);
        expect(jobs.jobs.size).toBe(2);
    });

    it('names are GUIDs (what Automation and its tooling use) and differ across epochs', () => {
        const a = jobNameFor('contoso', newEpoch(), 1, 1);
        const b = jobNameFor('contoso', newEpoch(), 1, 1);
        expect(a).toMatch(GUID);
        expect(b).toMatch(GUID);
        expect(a).not.toBe(b);
        expect(jobNameFor('contoso', 'abcd0123', 1, 1)).toBe(jobNameFor('contoso', 'abcd0123', 1, 1));
        expect(newEpoch()).toMatch(/^[0-9a-f]{8}$/);
    });
});
