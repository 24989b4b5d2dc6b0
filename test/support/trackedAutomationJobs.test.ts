import { describe, expect, it } from 'vitest';

import { ManualClock, MemoryAutomationJobs, MemoryTelemetry } from '../../src/adapters/memory';
import { testTarget } from './targets';
import { withDependencyTelemetry } from './trackedAutomationJobs';

const target = testTarget();
const parameters = { PolicyType: 'Delta', TimeoutSeconds: 600, CorrelationId: 'abc' } as const;

describe('withDependencyTelemetry', () => {
    it('records each call with the correlation id of the job it created', async () => {
        const clock = new ManualClock();
        const telemetry = new MemoryTelemetry();
        const jobs = withDependencyTelemetry(new MemoryAutomationJobs(clock), telemetry, clock);
        await jobs.createJob(target, 'job-1', parameters);
        await jobs.getJob(target, 'job-1');
        expect(telemetry.dependencies).toEqual([
            expect.objectContaining({ name: 'Automation CreateJob', correlationId: 'abc', success: true }),
            expect.objectContaining({ name: 'Automation GetJob', correlationId: 'abc', targetId: 'contoso' }),
        ]);
        expect(telemetry.dependencies[0]?.target).toBe('aa-sync/Start-EntraSyncCycle');
    });

    it('records a failed call with its status code and rethrows', async () => {
        const clock = new ManualClock();
        const telemetry = new MemoryTelemetry();
        const memory = new MemoryAutomationJobs(clock);
        memory.failNextCreates(1, 'transient');
        const jobs = withDependencyTelemetry(memory, telemetry, clock);
        await expect(jobs.createJob(target, 'job-2', parameters)).rejects.toThrow(/503/);
        expect(telemetry.dependencies).toEqual([
            expect.objectContaining({ name: 'Automation CreateJob', success: false, resultCode: '503' }),
        ]);
    });
});
