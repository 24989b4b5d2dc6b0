import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it, vi } from 'vitest';

import {
    type ComparisonResult,
    FLOOR_P95_SLACK,
    main,
    markdownTable,
    runComparison,
    STRATEGIES,
    type StrategyId,
} from '../../bench/compare';
import { projectBenchOutput } from '../../bench/output';

/** The bench in reduced mode: proves it still runs and that its counts hold. Never asserts timings. */
describe('comparison bench (reduced)', () => {
    let comparison: ComparisonResult;
    const row = (trace: string, strategy: StrategyId) => {
        const found = comparison.results.find((r) => r.trace === trace && r.strategy === strategy);
        if (found === undefined) throw new Error(`no result for ${trace} × ${strategy}`);
        return found;
    };

    beforeAll(async () => {
        comparison = await runComparison('reduced', 7);
    });

    it('runs every strategy on every trace', () => {
        expect(comparison.results).toHaveLength(4 * 6);
        expect(markdownTable(comparison).split('\n')).toHaveLength(2 + 24);
    });

    it('covers every change with this project, and only it covers the full-sync request without per-event jobs', () => {
        for (const trace of comparison.traces) expect(row(trace.name, 'project').neverCovered).toBe(0);
        // Neither the scheduler nor an interval ever runs an Initial cycle.
        expect(row('full-sync-middle', 'scheduler').neverCovered).toBe(1);
        expect(row('full-sync-middle', 'polling').neverCovered).toBe(1);
    });

    it('creates at least 100× fewer jobs than one trigger per event on the burst, and no busy errors', () => {
        const perEvent = row('bulk-burst', 'perEvent');
        const project = row('bulk-burst', 'project');
        expect(perEvent.jobsCreated).toBe(perEvent.changes);
        expect(perEvent.jobsCreated / project.jobsCreated).toBeGreaterThanOrEqual(100);
        expect(perEvent.busyErrors).toBeGreaterThan(perEvent.changes);
        expect(project.busyErrors).toBe(0);
    });

    it('counts scheduler-only strategies as zero jobs and zero API calls', () => {
        for (const strategy of ['scheduler', 'polling'] as const) {
            expect(row('joiner-trickle', strategy)).toMatchObject({ jobsCreated: 0, apiCalls: 0 });
        }
        expect(row('joiner-trickle', 'project').joinerLatency).not.toBeNull();
    });

    it('has a physical floor no strategy beats: p50 at or below every row, p95 within the greedy floor’s slack', () => {
        for (const trace of comparison.traces) {
            const floor = row(trace.name, 'floor');
            const base = floor.joinerLatency;
            if (base === null) throw new Error(`the floor covered no joiner on ${trace.name}`);
            expect(floor.vsFloor).toEqual({ p50: 1, p95: 1 });
            for (const { id } of STRATEGIES) {
                const latency = row(trace.name, id).joinerLatency;
                if (latency === null) continue;
                const p95 = latency.p95 >= base.p95 * (1 - FLOOR_P95_SLACK);
                expect({ trace: trace.name, id, p50: latency.p50 >= base.p50, p95 }).toEqual({
                    trace: trace.name,
                    id,
                    p50: true,
                    p95: true,
                });
            }
        }
    });

    it('gives the floor one job per Delta change and never a busy error, nor a full sync', () => {
        for (const trace of comparison.traces) {
            const floor = row(trace.name, 'floor');
            expect(floor.busyErrors).toBe(0);
            expect(floor.apiCalls).toBe(floor.jobsCreated);
        }
        expect(row('joiner-trickle', 'floor').jobsCreated).toBe(row('joiner-trickle', 'floor').changes);
        // The one Initial request is left to no one: the floor never makes a joiner wait for a full sync.
        expect(row('full-sync-middle', 'floor')).toMatchObject({ neverCovered: 1 });
        expect(row('full-sync-middle', 'floor').jobsCreated).toBe(row('full-sync-middle', 'floor').changes - 1);
    });

    it('replays identically from the same seed', async () => {
        const again = await runComparison('reduced', 7);
        expect(again.results).toEqual(comparison.results);
    });

    it('writes its results where it is told: a test run leaves bench/results and the docs untouched', async () => {
        const project = projectBenchOutput();
        const before = readdirSync(project.resultsDir).map((f) => [
            f,
            readFileSync(join(project.resultsDir, f), 'utf8'),
        ]);
        const doc = readFileSync(project.benchmarksDoc, 'utf8');
        const scratch = mkdtempSync(join(tmpdir(), 'compare-bench-'));
        const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
        try {
            await main(['--reduced', '--seed', '7'], {
                resultsDir: scratch,
                benchmarksDoc: join(scratch, 'BENCHMARKS.md'),
            });
            expect(existsSync(join(scratch, 'compare.reduced.json'))).toBe(true);
            const written = JSON.parse(readFileSync(join(scratch, 'compare.reduced.json'), 'utf8')) as {
                results: { strategy: string; label: string; vsFloor: unknown }[];
            };
            expect(written.results.filter((r) => r.strategy === 'floor')).toHaveLength(4);
            expect(written.results.find((r) => r.strategy === 'floor')?.label).toBe('(f) physical floor');
            for (const r of written.results) {
                expect(r.vsFloor).toEqual({ p50: expect.any(Number) as unknown, p95: expect.any(Number) as unknown });
            }
            expect(log.mock.calls.flat().join('\n')).toMatch(/\| p50 ÷ floor \| p95 ÷ floor \|/);
        } finally {
            log.mockRestore();
            rmSync(scratch, { recursive: true, force: true });
        }
        const after = readdirSync(project.resultsDir).map((f) => [
            f,
            readFileSync(join(project.resultsDir, f), 'utf8'),
        ]);
        expect(after).toEqual(before);
        expect(readFileSync(project.benchmarksDoc, 'utf8')).toBe(doc);
    });
});
