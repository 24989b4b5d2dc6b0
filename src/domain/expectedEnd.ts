import type { SyncPolicy } from './policy';
import type { RunSummary, RunWithJob } from './targetState';
import type { TargetTiming } from './timing';

/** Recent cycles the expectation is learnt from, and how many it needs before it expects anything. */
const RECENT_CYCLES = 5;
const MIN_CYCLES = 3;
/** Polls at the base interval once the expected end has passed, before the back-off resumes. */
const POLLS_AROUND_END = 4;

/**
 * How long a cycle of `policy` takes on this target: the median of its last few successful cycles, as their runbook
 * timed them (its own clock at both ends), or null before there are enough of them.
 * @param history - the target's recent runs, newest first
 * @param policy - the policy of the cycle to expect
 */
export function expectedCycleMs(history: readonly RunSummary[], policy: SyncPolicy): number | null {
    const durations: number[] = [];
    for (const run of history) {
        if (durations.length === RECENT_CYCLES) break;
        const { cycleStartedAt, cycleEndedAt, outcome } = run.report;
        if (run.tally.policy !== policy || cycleStartedAt === undefined || cycleEndedAt === undefined) continue;
        if (outcome !== 'Succeeded' && outcome !== 'CompletedWithExportErrors') continue;
        if (cycleEndedAt > cycleStartedAt) durations.push(cycleEndedAt - cycleStartedAt);
    }
    if (durations.length < MIN_CYCLES) return null;
    const sorted = [...durations].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? null;
}

/**
 * The delay to the next reading of a running job: at its cycle's expected end (when the back-off would read it
 * later), then at the base interval for a few readings around it, then the back-off. The cycle is taken to start
 * when the job was seen started, or when the run moved up (its runbook was waiting for the run ahead until then).
 * @param run - the run ahead, its job seen running
 * @param backoff - the back-off's delay for this reading
 * @param cycleMs - the expected cycle duration, or null when not known yet
 * @param now - the time
 * @param timing - the target's timing
 */
export function delayAroundExpectedEnd(
    run: RunWithJob,
    backoff: number,
    cycleMs: number | null,
    now: number,
    timing: TargetTiming,
): number {
    if (cycleMs === null || run.jobStartedAt === null) return backoff;
    const expectedEnd = Math.max(run.jobStartedAt, run.timeoutFrom) + cycleMs;
    if (now < expectedEnd) return Math.max(1, Math.min(backoff, expectedEnd - now));
    if (now < expectedEnd + POLLS_AROUND_END * timing.pollIntervalMs) return Math.min(backoff, timing.pollIntervalMs);
    return backoff;
}
