import { describe, expect, it } from 'vitest';

import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { createCoordinator } from '../../src/app/coordinator';
import { joinerAccepted, testTarget } from '../support/targets';

const target = testTarget();

describe('coordinator (in memory)', () => {
    it('turns a joiner into one run that ends Succeeded', async () => {
        const clock = new ManualClock();
        const wakes = new MemoryWakeScheduler();
        const jobs = new MemoryAutomationJobs(clock);
        const store = new MemoryTargetStateStore();
        const telemetry = new MemoryTelemetry();
        const coordinator = createCoordinator({
            store,
            wakes,
            jobs,
            telemetry,
            clock,
            targets: new Map([[target.targetId, target]]),
        });
        const seq = await coordinator.acceptChanges('contoso', joinerAccepted());
        expect(seq).toBe(1);
        for (let i = 0; i < 100; i++) {
            const next = wakes.nextAt();
            if (next === null) break;
            clock.set(next);
            for (const w of wakes.takeDue(clock.now())) await coordinator.onWake(w.targetId, w.token);
        }
        const state = await coordinator.readState('contoso');
        expect(state.runs).toBeNull();
        expect(state.history[0]?.report.outcome).toBe('Succeeded');
        expect(jobs.jobs.size).toBe(1);
        expect(telemetry.ofType('RunCompleted')).toHaveLength(1);
    });
});
