import { describe, expect, it } from 'vitest';

import { formatEngineReport, runEngineBench } from '../../bench/engine';

describe('engine bench (reduced)', () => {
    it('still runs and its counts hold: O(1) bursts, group commit saves storage, every change counted once', async () => {
        const report = await runEngineBench({ reduced: true });
        for (const figure of report.throughput) {
            // Nothing lost or doubled: the one open window holds every accepted change.
            expect(figure.windowChangeCount).toBe(figure.changes);
            expect(figure.storeCalls).toBeGreaterThan(0);
        }
        const naive = report.throughput.filter((f) => f.mode === 'naive');
        const grouped = report.throughput.filter((f) => f.mode === 'groupCommit');
        expect(naive.length).toBe(4);
        expect(grouped.length).toBe(4);
        // The naive baseline costs at least a load and a save per change; group commit far less.
        for (const f of naive) expect(f.storageOpsPerChange).toBeGreaterThanOrEqual(2);
        for (const f of grouped) expect(f.storageOpsPerChange).toBeLessThan(0.5);

        const [tenChanges, burst, spreadBurst, trailing] = report.bursts;
        expect(tenChanges?.runs).toBe(1);
        expect(burst?.runs).toBe(1);
        expect(spreadBurst?.runs).toBe(1);
        expect(trailing?.runs).toBe(2);
        // Wake-ups and Automation calls do not grow with the number of changes.
        expect(burst?.wakeUps).toBe(tenChanges?.wakeUps);
        expect(burst?.automationCalls).toBe(tenChanges?.automationCalls);
        expect(formatEngineReport(report)).toContain('| burst (4 instances) |');
    });
});
