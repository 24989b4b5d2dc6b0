import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CYCLE_OUTCOMES } from '../../src/domain/cycleOutcome';
import { decide } from '../../src/domain/decide';
import type { EngineInput } from '../../src/domain/decision';
import type { JobObservation } from '../../src/domain/jobObservation';
import type { SyncPolicy } from '../../src/domain/policy';
import {
    emptyTargetState,
    HISTORY_LIMIT,
    MERGED_REQUEST_LIMIT,
    type Run,
    type TargetState,
} from '../../src/domain/targetState';
import { DEFAULT_TIMING, type TargetTiming } from '../../src/domain/timing';
import { windowStartDueAt } from '../../src/domain/window';
import { type Decided, decided } from '../support/decideDriver';

/** Fixed so a failure reproduces; fast-check prints it with the shrunk counterexample. */
const SEED = 4_242_2026;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

/** What the generator asks for; ids and seqs are resolved against the state when the step is applied. */
type Step =
    | {
          readonly kind: 'changes';
          readonly request: number;
          readonly count: number;
          readonly urgent: boolean;
          readonly policy: SyncPolicy;
      }
    | { readonly kind: 'wake'; readonly token: 'pending' | 'stale' | 'reconcile' }
    | {
          readonly kind: 'created' | 'startFailed' | 'readFailed';
          readonly target: Addressed;
          readonly transient: boolean;
      }
    | { readonly kind: 'observed'; readonly target: Addressed; readonly observation: JobObservation };

/** Which run a job answer is for: the run ahead, the one queued behind it, or one the state does not hold. */
type Addressed = 'current' | 'queued' | 'other';

const observationArb: fc.Arbitrary<JobObservation> = fc.oneof(
    fc.constant<JobObservation>({ kind: 'queued', status: 'New' }),
    fc.constant<JobObservation>({ kind: 'running', status: 'Running' }),
    fc.constant<JobObservation>({ kind: 'attention', status: 'Suspended' }),
    fc
        .tuple(fc.constantFrom(...CYCLE_OUTCOMES), fc.option(fc.integer({ min: 0, max: 12_000_000 })))
        .map(([outcome, importAfter]): JobObservation => ({
            kind: 'finished',
            status: outcome === 'Stopped' ? 'Stopped' : outcome === 'Failed' ? 'Failed' : 'Completed',
            report: {
                outcome,
                exportErrors: 0,
                reason: `runbook said ${outcome}`,
                // The runbook's evidence, when it has any: some joined changes arrived before it, some after.
                ...(importAfter === null ? {} : { importStartedAt: T0 + importAfter }),
            },
        })),
);

const target = fc.constantFrom<Addressed>('current', 'current', 'current', 'queued', 'queued', 'other');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
        weight: 4,
        arbitrary: fc.record({
            kind: fc.constant('changes' as const),
            request: fc.integer({ min: 0, max: 30 }),
            count: fc.integer({ min: 1, max: 10_000 }),
            urgent: fc.boolean(),
            policy: fc.constantFrom<SyncPolicy>('Delta', 'Delta', 'Delta', 'Initial'),
        }),
    },
    {
        weight: 4,
        arbitrary: fc.record({
            kind: fc.constant('wake' as const),
            token: fc.constantFrom('pending' as const, 'pending' as const, 'stale' as const, 'reconcile' as const),
        }),
    },
    {
        weight: 2,
        arbitrary: fc.record({
            kind: fc.constantFrom('created' as const, 'startFailed' as const, 'readFailed' as const),
            target,
            transient: fc.boolean(),
        }),
    },
    {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('observed' as const), target, observation: observationArb }),
    },
);

const timingArb: fc.Arbitrary<TargetTiming> = fc
    .record({
        quietMs: fc.integer({ min: 1_000, max: 60_000 }),
        extraWait: fc.integer({ min: 0, max: 600_000 }),
        urgentShare: fc.double({ min: 0, max: 1, noNaN: true }),
        minSpacingMs: fc.integer({ min: 0, max: 300_000 }),
        runTimeoutMs: fc.integer({ min: 60_000, max: 1_800_000 }),
        pollIntervalMs: fc.integer({ min: 1_000, max: 30_000 }),
        startRetryBudget: fc.integer({ min: 0, max: 5 }),
        maxRunAttempts: fc.integer({ min: 1, max: 4 }),
        stopGraceMs: fc.integer({ min: 0, max: 600_000 }),
        maxWaitingJobs: fc.integer({ min: 0, max: 1 }),
    })
    .map(({ extraWait, urgentShare, ...t }) => {
        const maxWaitMs = t.quietMs + extraWait;
        return {
            ...t,
            maxWaitMs,
            urgentMaxWaitMs: Math.round(maxWaitMs * urgentShare),
            pollMaxIntervalMs: t.pollIntervalMs * 4,
            workerOfflineAfterMs: t.pollIntervalMs * 6,
        };
    });

const scheduleArb = fc.record({
    timing: timingArb,
    steps: fc.array(fc.record({ dt: fc.integer({ min: 0, max: 200_000 }), step: stepArb }), {
        minLength: 1,
        maxLength: 60,
    }),
});

/** The next moment the engine must act, as DESIGN.md §3 defines it; the pending wake must not be later. */
const aheadOf = (state: TargetState): Run | null => state.runs?.ahead ?? null;
const queuedOf = (state: TargetState): Run | null => state.runs?.queued ?? null;

function nextDue(state: TargetState, timing: TargetTiming): number | null {
    const due: number[] = [];
    const run = aheadOf(state);
    if (run !== null) {
        if (run.phase === 'starting') due.push(run.startDueAt);
        else {
            const deadline =
                run.phase === 'stopping'
                    ? run.stopRequestedAt + timing.stopGraceMs
                    : run.timeoutFrom + timing.runTimeoutMs;
            due.push(Math.min(run.nextPollAt, deadline));
        }
    }
    // A queued run has no timeout of its own while it waits: only its start, its polls and a stop's grace.
    const queued = queuedOf(state);
    if (queued !== null) {
        if (queued.phase === 'starting') due.push(queued.startDueAt);
        else if (queued.phase === 'stopping')
            due.push(Math.min(queued.nextPollAt, queued.stopRequestedAt + timing.stopGraceMs));
        else due.push(queued.nextPollAt);
    }
    if (state.window !== null && run === null) {
        due.push(windowStartDueAt(state.window, state.spacingFrom, timing));
    }
    return due.length === 0 ? null : Math.min(...due);
}

function toInput(step: Step, state: TargetState): EngineInput {
    const addressed = step.kind === 'changes' || step.kind === 'wake' ? 'current' : step.target;
    const run = addressed === 'queued' ? (queuedOf(state) ?? aheadOf(state)) : aheadOf(state);
    const seq = run === null ? state.nextSeq : addressed === 'other' ? state.nextSeq + 1 : run.seq;
    const attempt = run?.attempt ?? 1;
    switch (step.kind) {
        case 'changes':
            return {
                type: 'changesAccepted',
                requestId: `r${step.request}`,
                correlationId: `c${step.request}`,
                changeCount: step.count,
                urgentCount: step.urgent ? step.count : 0,
                policy: step.policy,
                kinds: { [step.urgent ? 'joiner' : 'group']: step.count },
            };
        case 'wake':
            if (step.token === 'reconcile') return { type: 'wake', token: null };
            return {
                type: 'wake',
                token: step.token === 'pending' && state.wake !== null ? state.wake.token : 'stale:0',
            };
        case 'created':
            return { type: 'jobCreated', seq, attempt, jobName: `job-${seq}-${attempt}` };
        case 'startFailed':
            return { type: 'jobStartFailed', seq, attempt, transient: step.transient, reason: 'simulated' };
        case 'readFailed':
            return { type: 'jobReadFailed', seq, attempt, reason: 'simulated' };
        case 'observed':
            return { type: 'jobObserved', seq, attempt, observation: step.observation };
    }
}

/** What the model remembers of each merged request. */
interface Merged {
    readonly seq: number;
    readonly count: number;
    readonly policy: SyncPolicy;
}

/** Checks one decision against the invariants; returns the problems found. */
function checkDecision(
    before: TargetState,
    input: EngineInput,
    decision: Decided,
    now: number,
    timing: TargetTiming,
    merged: Map<string, Merged>,
): string[] {
    const problems: string[] = [];
    const after = decision.state;
    const effects = decision.effects;
    if (!decision.changed && (after !== before || effects.length > 0)) problems.push('unchanged decision with effects');
    // Purity: the same input gives the same decision.
    const again = decided(decide(before, input, now, timing));
    if (JSON.stringify(again) !== JSON.stringify(decision)) problems.push('decide is not deterministic');
    // 1. single flight: one run ahead and at most one queued behind it (none when the target allows none); a run
    // leaves only by finishing, the queued one moving up when the run ahead finishes.
    const finished = (seq: number) => after.history.some((h) => h.seq === seq);
    const inFlight = (seq: number) => aheadOf(after)?.seq === seq || queuedOf(after)?.seq === seq;
    for (const run of [aheadOf(before), queuedOf(before)]) {
        if (run !== null && !inFlight(run.seq) && !finished(run.seq))
            problems.push(`run ${run.seq} replaced before it finished`);
    }
    if (queuedOf(after) !== null && aheadOf(after) === null) problems.push('a run queued behind none');
    if (queuedOf(after) !== null && timing.maxWaitingJobs < 1) problems.push('a run queued where none is allowed');
    const [aheadAfter, queuedAfter, queuedBefore] = [aheadOf(after), queuedOf(after), queuedOf(before)];
    if (queuedAfter !== null && aheadAfter !== null && queuedAfter.seq <= aheadAfter.seq)
        problems.push('queued run not after the run ahead');
    if (queuedBefore !== null && aheadAfter?.seq === queuedBefore.seq && !finished(aheadOf(before)?.seq ?? -1)) {
        problems.push('queued run moved up before the run ahead finished');
    }
    if (effects.filter((e) => e.type === 'startJob').length > 2)
        problems.push('more than two job starts in one decision');
    for (const e of effects) {
        if (e.type === 'startJob' && !inFlight(e.seq)) {
            problems.push(
                `start of ${e.seq} while the runs in state are ${String(aheadOf(after)?.seq)}, ${String(queuedOf(after)?.seq)}`,
            );
        }
        // A run made while none was in progress starts on its own: only a queued run is spaced on the server.
        if (e.type === 'startJob' && e.notBefore !== null && aheadOf(before) === null && queuedOf(before) === null) {
            problems.push('a run started on an idle target given a NotBefore');
        }
    }
    // Windows and runs are numbered in order.
    if (after.window !== null && after.window.seq !== after.nextSeq - 1) problems.push('window seq out of order');
    for (const run of [aheadOf(after), queuedOf(after)]) {
        if (after.window !== null && run !== null && run.seq >= after.window.seq)
            problems.push('window not after the runs');
    }
    if (after.nextSeq < before.nextSeq) problems.push('nextSeq went back');
    // 6. self-healing: whenever work is pending a wake is pending, never later than the next due moment.
    const due = nextDue(after, timing);
    if (due !== null && (after.wake === null || after.wake.at > Math.max(due, now))) {
        problems.push(`work due at ${due - T0} but wake is ${after.wake === null ? 'none' : after.wake.at - T0}`);
    }
    // 4. O(1): at most one wake per decision, carried by the state's own token.
    const wakes = effects.filter((e) => e.type === 'scheduleWake');
    if (wakes.length > 1) problems.push('more than one wake scheduled in one decision');
    for (const w of wakes) if (w.token !== after.wake?.token) problems.push('scheduled wake is not the pending one');
    // 3. bounded latency: a decision that acted never leaves a due window open while nothing runs. (An input
    // that matches nothing, such as a result for another seq, is ignored whole; the pending wake acts instead.)
    if (
        decision.changed &&
        after.window !== null &&
        aheadOf(after) === null &&
        now >= windowStartDueAt(after.window, after.spacingFrom, timing)
    ) {
        problems.push('window left open past its due moment');
    }
    // ... and never leaves a window waiting beside a run with room queued behind it: its job is created at once.
    if (
        decision.changed &&
        after.window !== null &&
        aheadOf(after) !== null &&
        queuedOf(after) === null &&
        timing.maxWaitingJobs > 0
    ) {
        problems.push('window not queued behind the run in progress');
    }
    // 5. at-least-once: a repeated request id gets its first window and counts once.
    if (input.type === 'changesAccepted') {
        const first = merged.get(input.requestId);
        if (first !== undefined && decision.seq !== first.seq) problems.push('duplicate got another window');
        if (first === undefined && decision.seq !== null) {
            merged.set(input.requestId, { seq: decision.seq, count: input.changeCount, policy: input.policy });
        }
    }
    // 2. coverage: the open window and the runs carry exactly the changes merged into their seq, and Initial wins.
    // Changes a finished run did not cover are carried to a later seq, so a seq touched by a carry is checked by
    // the totals instead: every change merged is in exactly one place, counted once.
    const carriedSeqs = new Set(after.history.flatMap((h) => (h.carried === null ? [] : [h.seq, h.carried.to])));
    for (const carrier of [after.window, aheadOf(after), queuedOf(after)]) {
        if (carrier === null) continue;
        const mine = [...merged.values()].filter((m) => m.seq === carrier.seq);
        if (mine.some((m) => m.policy === 'Initial') && carrier.tally.policy !== 'Initial') {
            problems.push(`seq ${carrier.seq} has policy ${carrier.tally.policy}, wanted Initial`);
        }
        if (carriedSeqs.has(carrier.seq)) continue;
        const count = mine.reduce((sum, m) => sum + m.count, 0);
        if (count !== carrier.tally.changeCount)
            problems.push(`seq ${carrier.seq} carries ${carrier.tally.changeCount}, merged ${count}`);
        const policy = mine.some((m) => m.policy === 'Initial') ? 'Initial' : 'Delta';
        if (policy !== carrier.tally.policy)
            problems.push(`seq ${carrier.seq} has policy ${carrier.tally.policy}, wanted ${policy}`);
    }
    for (const h of after.history) {
        const failed = h.report.outcome !== 'Succeeded' && h.report.outcome !== 'CompletedWithExportErrors';
        if (failed && (h.report.reason ?? '') === '') problems.push(`run ${h.seq} ${h.report.outcome} without reason`);
        if (h.carried !== null && (failed || h.carried.to <= h.seq)) problems.push(`run ${h.seq} carried wrongly`);
        if (carriedSeqs.has(h.seq)) continue;
        const count = [...merged.values()].filter((m) => m.seq === h.seq).reduce((sum, m) => sum + m.count, 0);
        if (count !== h.tally.changeCount)
            problems.push(`finished run ${h.seq} carries ${h.tally.changeCount}, merged ${count}`);
    }
    if (after.history.length < HISTORY_LIMIT) {
        const held = [after.window, aheadOf(after), queuedOf(after), ...after.history].reduce(
            (sum, c) => sum + (c?.tally.changeCount ?? 0),
            0,
        );
        const total = [...merged.values()].reduce((sum, m) => sum + m.count, 0);
        if (held !== total) problems.push(`the target holds ${held} changes, ${total} were merged`);
    }
    const seqs = after.history.map((h) => h.seq);
    // Newest ended first: with a run queued behind another, a later seq can end first (its job failed at once).
    if (new Set(seqs).size !== seqs.length) problems.push('a run repeated in the history');
    // A run ends when its job ended (as Automation reports it), never after the engine saw it end.
    for (const h of after.history) {
        if (h.endedAt > now || h.endedAt < h.windowClosedAt) problems.push(`run ${h.seq} ended outside its life`);
    }
    return problems;
}

describe('engine property: decide keeps its invariants for any sequence of inputs', () => {
    it('after every decision: single flight, ordered seqs, a live wake, exact counts, Initial wins', () => {
        fc.assert(
            fc.property(scheduleArb, ({ timing, steps }) => {
                let state = emptyTargetState('t1', 'e0000001');
                let now = T0;
                const merged = new Map<string, Merged>();
                for (const { dt, step } of steps) {
                    now += dt;
                    const input = toInput(step, state);
                    const decision = decided(decide(state, input, now, timing));
                    const problems = checkDecision(state, input, decision, now, timing, merged);
                    if (problems.length > 0) throw new Error(`${problems.join('; ')} (property seed ${SEED})`);
                    state = decision.state;
                }
            }),
            { seed: SEED, numRuns: 2_500 },
        );
    });

    it('drains to idle when wakes are delivered and jobs finish, whatever came before', () => {
        fc.assert(
            fc.property(scheduleArb, ({ timing, steps }) => {
                let state = emptyTargetState('t1', 'e0000001');
                let now = T0;
                for (const { dt, step } of steps) {
                    now += dt;
                    state = decided(decide(state, toInput(step, state), now, timing)).state;
                }
                // From here on every wake arrives and every job succeeds; the target must become idle.
                for (
                    let i = 0;
                    i < 10_000 && (state.window !== null || aheadOf(state) !== null || queuedOf(state) !== null);
                    i++
                ) {
                    const wake = state.wake;
                    if (wake === null) throw new Error('work pending but no wake');
                    now = Math.max(now, wake.at);
                    const decision = decided(decide(state, { type: 'wake', token: wake.token }, now, timing));
                    state = decision.state;
                    for (const e of decision.effects) {
                        const answer: EngineInput | null =
                            e.type === 'startJob'
                                ? { type: 'jobCreated', seq: e.seq, attempt: e.attempt, jobName: `job-${e.seq}` }
                                : e.type === 'observeJob'
                                  ? {
                                        type: 'jobObserved',
                                        seq: e.seq,
                                        attempt: e.attempt,
                                        observation: {
                                            kind: 'finished',
                                            status: 'Completed',
                                            report: { outcome: 'Succeeded', exportErrors: 0 },
                                        },
                                    }
                                  : null;
                        if (answer !== null) state = decided(decide(state, answer, now, timing)).state;
                    }
                }
                expect(state.window).toBeNull();
                expect(aheadOf(state)).toBeNull();
                expect(queuedOf(state)).toBeNull();
            }),
            { seed: SEED + 1, numRuns: 1_000 },
        );
    });

    it('never lets a duplicated request id change counts, however late it arrives', () => {
        fc.assert(
            fc.property(
                fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: MERGED_REQUEST_LIMIT }),
                fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
                fc.integer({ min: 0, max: 3_600_000 }),
                (counts, duplicates, lateBy) => {
                    const timing: TargetTiming = DEFAULT_TIMING;
                    let state = emptyTargetState('t1', 'e0000001');
                    const seqOf: number[] = [];
                    counts.forEach((count, i) => {
                        const d = decided(decide(state, accept(i, count), T0 + i, timing));
                        state = d.state;
                        seqOf.push(d.seq ?? -1);
                    });
                    const total = (s: TargetState) =>
                        (s.window?.tally.changeCount ?? 0) +
                        (aheadOf(s)?.tally.changeCount ?? 0) +
                        (queuedOf(s)?.tally.changeCount ?? 0) +
                        s.history.reduce((a, h) => a + h.tally.changeCount, 0);
                    const before = total(state);
                    for (const d of duplicates) {
                        const i = d % counts.length;
                        const decision = decided(
                            decide(state, accept(i, counts[i] ?? 1), T0 + counts.length + lateBy, timing),
                        );
                        expect(decision.seq).toBe(seqOf[i]);
                        state = decision.state;
                    }
                    expect(total(state)).toBe(before);
                    // A late duplicate never opens a window of its own (that would be an extra run).
                    expect(state.nextSeq).toBe(2);
                },
            ),
            { seed: SEED + 2, numRuns: 500 },
        );
    });
});

function accept(i: number, count: number): EngineInput {
    return {
        type: 'changesAccepted',
        requestId: `r${i}`,
        correlationId: `c${i}`,
        changeCount: count,
        urgentCount: 0,
        policy: 'Delta',
        kinds: { attribute: count },
    };
}
