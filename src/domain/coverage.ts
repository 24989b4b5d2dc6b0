import { addKindCounts, subtractKindCounts } from './change';
import { classifyOutcome, type CycleReport } from './cycleOutcome';
import type { EngineInput } from './decision';
import { strongerPolicy, type SyncPolicy } from './policy';
import { JOIN_GROUP_LIMIT, type JoinedChanges, type OpenWindow, type Run, type RunSummary } from './targetState';

/**
 * How far the Connect server's clock may be ahead of ours when an import start is compared with an arrival: a
 * change that arrived less than this before the import started is not counted as covered (a Windows server kept by
 * w32time and an Azure instance kept by NTP stay well within it).
 */
export const IMPORT_CLOCK_SKEW_MS = 5_000;

/** Groups closer than this are one group: a burst costs one entry, not one per request. */
const JOIN_GROUP_SPAN_MS = 1_000;

type ChangesAccepted = Extract<EngineInput, { type: 'changesAccepted' }>;

/**
 * Whether a request's changes may join a run whose job may already exist: its policy cannot change any more, so an
 * Initial joins only an Initial run.
 * @param run - the run
 * @param policy - the request's policy
 */
export function canJoinRun(run: Run, policy: SyncPolicy): boolean {
    return policy === 'Delta' || run.policy === 'Initial';
}

/**
 * The run with a request's changes merged in at `now`, kept apart as joined changes so its end can tell, from the
 * evidence of its import start, whether its cycle read them.
 * @param run - the run (a waiting one)
 * @param input - the request's changes
 * @param now - when they arrived
 */
export function joinRun<R extends Run>(run: R, input: ChangesAccepted, now: number): R {
    const urgent = input.urgentCount > 0;
    return {
        ...run,
        changeCount: run.changeCount + input.changeCount,
        urgentCount: run.urgentCount + input.urgentCount,
        requestCount: run.requestCount + 1,
        kinds: addKindCounts(run.kinds, input.kinds),
        firstUrgentAt: run.firstUrgentAt ?? (urgent ? now : null),
        joins: addJoin(run.joins, {
            policy: input.policy,
            firstAt: now,
            lastAt: now,
            firstUrgentAt: urgent ? now : null,
            changeCount: input.changeCount,
            urgentCount: input.urgentCount,
            requestCount: 1,
            kinds: input.kinds,
        }),
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

/**
 * Two groups of joined changes as one: covered only if both are.
 * @param a - the earlier group
 * @param b - the later group
 */
function mergeJoins(a: JoinedChanges, b: JoinedChanges): JoinedChanges {
    return {
        policy: strongerPolicy(a.policy, b.policy),
        firstAt: Math.min(a.firstAt, b.firstAt),
        lastAt: Math.max(a.lastAt, b.lastAt),
        firstUrgentAt: earliest(a.firstUrgentAt, b.firstUrgentAt),
        changeCount: a.changeCount + b.changeCount,
        urgentCount: a.urgentCount + b.urgentCount,
        requestCount: a.requestCount + b.requestCount,
        kinds: addKindCounts(a.kinds, b.kinds),
    };
}

function earliest(a: number | null, b: number | null): number | null {
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
}

/**
 * The moment from which a finished run's joined changes are not covered: its import start (less the clock skew),
 * or, without that evidence, the cycle's start (the import starts after it); null when there is no evidence at all,
 * so no joined change is covered.
 * @param report - how the run ended
 */
function coveredBefore(report: CycleReport): number | null {
    const started = report.importStartedAt ?? report.cycleStartedAt;
    return started === undefined ? null : started - IMPORT_CLOCK_SKEW_MS;
}

/**
 * The joined changes a finished run did not cover, as one group, or null when it covered them all.
 * @param run - the finished run
 * @param report - how it ended
 */
function uncoveredJoins(run: Run, report: CycleReport): JoinedChanges | null {
    const before = coveredBefore(report);
    const late = run.joins.filter((j) => before === null || j.lastAt >= before);
    return late.reduce<JoinedChanges | null>((all, j) => (all === null ? j : mergeJoins(all, j)), null);
}

/**
 * The joined changes a finished run carries to the next run, as one group, or null: none when its cycle covered
 * them all, and none when it failed (its joined changes are reported failed with the rest).
 * @param run - the finished run
 * @param report - how it ended
 */
export function carriedJoins(run: Run, report: CycleReport): JoinedChanges | null {
    const outcome = classifyOutcome(report.outcome);
    return outcome === 'succeeded' || outcome === 'partiallySucceeded' ? uncoveredJoins(run, report) : null;
}

/**
 * A finished run's summary once `late` was carried to `to`: its counts are what it covered, so every change is
 * counted once, by the run it went to.
 * @param summary - the run's summary with everything it took
 * @param late - the changes carried on
 * @param to - the seq they went to
 * @param from - a request accepted at or after this follows them
 */
export function withoutCarried(summary: RunSummary, late: JoinedChanges, to: number, from: number): RunSummary {
    return {
        ...summary,
        changeCount: summary.changeCount - late.changeCount,
        urgentCount: summary.urgentCount - late.urgentCount,
        requestCount: summary.requestCount - late.requestCount,
        kinds: subtractKindCounts(summary.kinds, late.kinds),
        carried: { to, from, changeCount: late.changeCount },
    };
}

/**
 * The moment from which a request that reached the run did not get covered: it arrived after the run's job could
 * exist and after the import started (less the skew). A request accepted before it is covered.
 * @param run - the finished run
 * @param report - how it ended
 */
export function uncoveredFrom(run: Run, report: CycleReport): number {
    return Math.max(run.joinedSince, coveredBefore(report) ?? run.joinedSince);
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
        policy: strongerPolicy(window.policy, carried.policy),
        firstChangeAt: Math.min(window.firstChangeAt, carried.firstAt),
        lastChangeAt: Math.max(window.lastChangeAt, now),
        firstUrgentAt: earliest(window.firstUrgentAt, carried.firstUrgentAt),
        changeCount: window.changeCount + carried.changeCount,
        urgentCount: window.urgentCount + carried.urgentCount,
        requestCount: window.requestCount + carried.requestCount,
        kinds: addKindCounts(window.kinds, carried.kinds),
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
    return {
        seq,
        policy: carried.policy,
        firstChangeAt: carried.firstAt,
        lastChangeAt: now,
        firstUrgentAt: carried.firstUrgentAt,
        lead: true,
        changeCount: carried.changeCount,
        urgentCount: carried.urgentCount,
        requestCount: carried.requestCount,
        kinds: carried.kinds,
        correlationId,
    };
}
