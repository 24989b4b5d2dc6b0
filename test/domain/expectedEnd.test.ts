import { describe, expect, it } from 'vitest';

import { backoffDelay, jobPollBackoff } from '../../src/domain/backoff';
import type { CycleOutcome } from '../../src/domain/cycleOutcome';
import { delayAroundExpectedEnd, expectedCycleMs } from '../../src/domain/expectedEnd';
import type { JobRun, RunSummary } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import { changes, Driver, T0 } from '../support/decideDriver';
import { runSummary } from '../support/targetStateFixtures';

const timing = DEFAULT_TIMING;

function cycle(seq: number, ms: number, outcome: CycleOutcome = 'Succeeded'): RunSummary {
    const base = runSummary('t1', seq, outcome);
    return { ...base, report: { outcome, exportErrors: 0, cycleStartedAt: T0, cycleEndedAt: T0 + ms } };
}

describe('expectedCycleMs: the target’s recent cycles', () => {
    it('is the median of the last five successful cycles of the policy, as the runbook timed them', () => {
        const history = [600, 30, 40, 50, 700, 45, 999_999].map((ms, i) => cycle(10 - i, ms * 1000));
        expect(expectedCycleMs(history, 'Delta')).toBe(50_000);
    });

    it('expects nothing from fewer than three, and ignores failed cycles and the other policy', () => {
        const history = [
            cycle(5, 40_000),
            cycle(4, 40_000, 'Failed'),
            { ...cycle(3, 40_000), tally: { ...cycle(3, 40_000).tally, policy: 'Initial' as const } },
        ];
        expect(expectedCycleMs(history, 'Delta')).toBeNull();
        expect(expectedCycleMs([...history, cycle(2, 50_000), cycle(1, 60_000)], 'Delta')).toBe(50_000);
    });
});

describe('delayAroundExpectedEnd: reading a running job', () => {
    const running = (startedAt: number): JobRun => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const job = d.job();
        if (job.phase !== 'active') throw new Error('an active job expected');
        return { ...job, jobStartedAt: startedAt, timeoutFrom: T0 };
    };
    const backoff = backoffDelay(8, jobPollBackoff(timing));

    it('reads at the expected end when the back-off would read later, then at the base interval, then backs off', () => {
        const run = running(T0);
        const cycleMs = 600_000;
        expect(backoff).toBe(timing.pollMaxIntervalMs);
        expect(delayAroundExpectedEnd(run, backoff, cycleMs, T0 + 570_000, timing)).toBe(30_000);
        expect(delayAroundExpectedEnd(run, backoff, cycleMs, T0 + 500_000, timing)).toBe(backoff);
        expect(delayAroundExpectedEnd(run, backoff, cycleMs, T0 + 601_000, timing)).toBe(timing.pollIntervalMs);
        expect(delayAroundExpectedEnd(run, backoff, cycleMs, T0 + 600_000 + 4 * timing.pollIntervalMs, timing)).toBe(
            backoff,
        );
    });

    it('keeps the back-off with nothing learnt yet, or before the job was seen started', () => {
        expect(delayAroundExpectedEnd(running(T0), backoff, null, T0 + 570_000, timing)).toBe(backoff);
    });

    it('counts a moved-up run’s cycle from when it moved up: its runbook was waiting until then', () => {
        const run = { ...running(T0), timeoutFrom: T0 + 300_000 };
        expect(delayAroundExpectedEnd(run, backoff, 600_000, T0 + 870_000, timing)).toBe(30_000);
    });
});
