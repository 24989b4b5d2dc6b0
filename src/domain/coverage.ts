import { classifyOutcome, type CycleReport } from './cycleOutcome';
import type { ChangesAccepted } from './decision';
import type { SyncPolicy } from './policy';
import { addTally, subtractTally, tallyOf } from './tally';
import { JOIN_GROUP_LIMIT, type JoinedChanges, type OpenWindow, type Run, type RunSummary } from './targetState';

/**
 * How far the Connect server's clock may be ahead of ours when an import start is compared with an arrival: a
 * change that arrived less than this before the import started is not counted as covered (a Windows server kept by
 * w32time and an Azure instance kept by NTP stay well within it).
 */
export const IMPORT_CLOCK_SKEW_MS = 5_000;

/** Groups closer than this are one group: a burst costs one entry, not one per request. */
const JOIN_GROUP_SPAN_MS = 1_000;

/**
 * Whether a request's changes may join a run whose job may already exist: its policy cannot change any more, so an
 * Initial joins only an Initial run.
 * @param run - the run
 * @param policy - the request's policy
 */
export function canJoinRun(run: Run, policy: SyncPolicy): boolean {
    return policy === 'Delta' || run.tally.policy === 'Initial';
}

/**
 * The run with a request's changes merged in at `now`, kept apart as joined changes so its end can tell, from the
 * evidence of its import start, whether its cycle read them.
 * @param run - the run (a queued one)
 * @param input - the request's changes
 * @param now - when they arrived
 */
export function joinRun<R extends Run>(run: R, input: ChangesAccepted, now: number): R {
    const tally = tallyOf(input, now);
    return {
        ...run,
        tally: addTally(run.tally, tally),
        joins: addJoin(run.joins, { tally, firstAt: now, lastAt: now }),
    };
}

function addJoin(joins: readonly JoinedChanges[], join: JoinedChanges): readonly JoinedChanges[] {
    const last = joins.at(-1);
    if (last !== undefined && join.firstAt - last.firstAt < JOIN_GROUP_SPAN_MS) {
        return [...joins.slice(0, -1), mergeJoins(last, join)];
    }
    const next = [...joins, join];
    if (next.length <= JOIN_GROUP_LIMIT) return next;
    // Full: the two oldest become one. They are the likeliest to be covered; merged, they are covered only if the
    // later of them is, so a change is never counted covered without evidence.
    const [a, b, ...rest] = next;
    return a === undefined || b === undefined ? next : [mergeJoins(a, b), ...rest];
}

/** Two groups of joined changes as one: covered only if both are. */
function mergeJoins(a: JoinedChanges, b: JoinedChanges): JoinedChanges {
    return {
        tally: addTally(a.tally, b.tally),
        firstAt: Math.min(a.firstAt, b.firstAt),
        lastAt: Math.max(a.lastAt, b.lastAt),
    };
}

/**
 * The moment from which a finished run's joined changes are not covered: its import start (less the clock skew),
 * or, without that evidence, the cycle's start (the import starts after it); null when there is no evidence at all,
 * so no joined change is covered.
 */
function coveredBefore(report: CycleReport): number | null {
    const started = report.importStartedAt ?? report.cycleStartedAt;
    return started === undefined ? null : started - IMPORT_CLOCK_SKEW_MS;
}

/**
 * The joined changes a finished run carries to the next run, as one group, or null: none when its cycle covered
 * them all, and none when it failed (its joined changes are reported failed with the rest).
 * @param run - the finished run
 * @param report - how it ended
 */
export function carriedJoins(run: Run, report: CycleReport): JoinedChanges | null {
    const outcome = classifyOutcome(report.outcome);
    if (outcome !== 'succeeded' && outcome !== 'partiallySucceeded') return null;
    const before = coveredBefore(report);
    const late = run.joins.filter((j) => before === null || j.lastAt >= before);
    return late.reduce<JoinedChanges | null>((all, j) => (all === null ? j : mergeJoins(all, j)), null);
}

/**
 * A finished run's summary once `late` was carried to `to`: its tally is what it covered, so every change is
 * counted once, by the run it went to. A request accepted at or after the moment its cycle stopped covering
 * arrivals follows the carried changes.
 * @param summary - the run's summary with everything it took
 * @param run - the finished run
 * @param late - the changes carried on
 * @param to - the seq they went to
 */
export function withoutCarried(summary: RunSummary, run: Run, late: JoinedChanges, to: number): RunSummary {
    const from = Math.max(run.joinedSince, coveredBefore(summary.report) ?? run.joinedSince);
    return {
        ...summary,
        tally: subtractTally(summary.tally, late.tally),
        carried: { to, from, changeCount: late.tally.changeCount },
    };
}

/**
 * The open window with carried changes added (they keep their first arrival, so their deadlines stay theirs).
 * @param window - the open window
 * @param carried - the changes a run did not cover
 * @param now - when they were carried
 */
export function carryIntoWindow(window: OpenWindow, carried: JoinedChanges, now: number): OpenWindow {
    return {
        ...window,
        tally: addTally(window.tally, carried.tally),
        firstChangeAt: Math.min(window.firstChangeAt, carried.firstAt),
        lastChangeAt: Math.max(window.lastChangeAt, now),
    };
}

/**
 * A new window for carried changes: it is due at once (their debounce ran while they waited in the run), so it is
 * opened as a lead window.
 * @param carried - the changes a run did not cover
 * @param seq - the window's number
 * @param correlationId - the correlation id of the run they leave
 * @param now - when they were carried
 */
export function windowForCarried(carried: JoinedChanges, seq: number, correlationId: string, now: number): OpenWindow {
    return { seq, tally: carried.tally, firstChangeAt: carried.firstAt, lastChangeAt: now, lead: true, correlationId };
}
