import { describe, expect, it } from 'vitest';

import { IMPORT_CLOCK_SKEW_MS } from '../../src/domain/coverage';
import type { CycleReport } from '../../src/domain/cycleOutcome';
import type { EngineInput } from '../../src/domain/decision';
import { coveringSeq, type RequestRecord } from '../../src/domain/requestStatus';
import type { Run, RunSummary } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import { windowStartDueAt } from '../../src/domain/window';
import { changes, Driver, T0 } from '../support/decideDriver';
import { runSummary } from '../support/targetStateFixtures';

const timing = DEFAULT_TIMING;

function created(run: Run | null): EngineInput {
    if (run === null) throw new Error('no run');
    return { type: 'jobCreated', seq: run.seq, attempt: run.attempt, jobName: `job-${run.seq}-${run.attempt}` };
}

function finished(run: Run | null, report: CycleReport): EngineInput {
    if (run === null) throw new Error('no run');
    return {
        type: 'jobObserved',
        seq: run.seq,
        attempt: run.attempt,
        observation: { kind: 'finished', status: report.outcome === 'Failed' ? 'Failed' : 'Completed', report },
    };
}

const running = (run: Run | null): EngineInput => {
    if (run === null) throw new Error('no run');
    return {
        type: 'jobObserved',
        seq: run.seq,
        attempt: run.attempt,
        observation: { kind: 'running', status: 'Running' },
    };
};

/** Run 1 has its job (created at T0 + quiet); run 2 is queued behind it, made from `first` at `at`. */
function withQueuedRun(at = T0 + 40_000): Driver {
    const d = new Driver();
    d.feed(changes('r1'), T0);
    d.startRun();
    d.feed(changes('first'), at);
    d.feed(created(d.queued), at);
    return d;
}

describe('a run queued behind the running one', () => {
    it('is made at once from a change that arrives during a run, its job spaced by NotBefore', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const ahead = d.state.spacingFrom ?? 0;
        const during = d.feed(changes('joiner', { urgent: true }), T0 + 25_000);
        expect(during.seq).toBe(2);
        expect(d.state.window).toBeNull();
        expect(d.ahead?.seq).toBe(1);
        expect(d.queued).toMatchObject({ seq: 2, phase: 'starting', notBefore: ahead + timing.minSpacingMs });
        const start = during.effects.find((e) => e.type === 'startJob');
        expect(start).toMatchObject({ seq: 2, notBefore: ahead + timing.minSpacingMs });
        const closed = during.effects.find((e) => e.type === 'emit' && e.event.type === 'WindowClosed');
        expect(closed).toMatchObject({ event: { seq: 2, queuedBehindRun: true } });
        // The next run is spaced from the queued one's earliest start.
        expect(d.state.spacingFrom).toBe(ahead + timing.minSpacingMs);
    });

    it('reads the run ahead at the base interval while a run waits behind it, not on the back-off', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        // A long cycle: the back-off has reached its cap.
        d.pump(
            () => ({ kind: 'running', status: 'Running' }),
            () => d.job().polls >= 6,
        );
        const ahead = d.job();
        expect(ahead.nextPollAt - d.now).toBeGreaterThan(timing.pollIntervalMs);
        d.feed(changes('joiner', { urgent: true }), d.now + 1_000);
        expect(d.job().nextPollAt).toBe(d.now + timing.pollIntervalMs);
        d.feed(running(d.ahead), d.now + 2_000);
        expect(d.job().nextPollAt).toBe(d.now + timing.pollIntervalMs);
    });

    it('takes later changes as joined changes; an Initial does not join a Delta job', () => {
        const d = withQueuedRun();
        const joined = d.feed(changes('later', { count: 3 }), T0 + 50_000);
        expect(joined.seq).toBe(2);
        expect(d.queued).toMatchObject({ tally: { changeCount: 4, requestCount: 2 } });
        expect(d.queued?.joins).toMatchObject([
            { firstAt: T0 + 50_000, lastAt: T0 + 50_000, tally: { changeCount: 3 } },
        ]);
        const initial = d.feed(changes('full', { policy: 'Initial' }), T0 + 51_000);
        expect(initial.seq).toBe(3);
        expect(d.state.window).toMatchObject({ seq: 3, tally: { policy: 'Initial' } });
        // A window is open now: later Delta changes join it, not the queued run, so none skips ahead of the Initial.
        expect(d.feed(changes('after'), T0 + 52_000).seq).toBe(3);
    });

    it('moves up when the run ahead ends, its timeout counted from then, and the window becomes the next queued run', () => {
        const d = withQueuedRun();
        d.feed(changes('full', { policy: 'Initial' }), T0 + 51_000);
        // Waiting longer than the run timeout behind a long cycle is not a timeout of its own.
        const late = T0 + 40_000 + timing.runTimeoutMs + 60_000;
        d.feed(running(d.queued), T0 + 60_000);
        const waiting = d.feed({ type: 'wake', token: null }, late);
        expect(waiting.effects.filter((e) => e.type === 'stopJob')).toEqual([]);
        expect(d.queued?.phase).toBe('active');
        const end = late + 1_000;
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), end);
        expect(d.ahead).toMatchObject({ seq: 2, phase: 'active', timeoutFrom: end });
        expect(d.queued).toMatchObject({ seq: 3, phase: 'starting', tally: { policy: 'Initial' } });
        expect(d.state.window).toBeNull();
    });

    it('covers joined changes that arrived before its import started, on the runbook’s evidence', () => {
        const d = withQueuedRun();
        d.feed(changes('later'), T0 + 50_000);
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), T0 + 70_000);
        const importStartedAt = T0 + 50_000 + IMPORT_CLOCK_SKEW_MS + 1;
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0, importStartedAt }), T0 + 130_000);
        expect(d.state.history[0]).toMatchObject({ seq: 2, carried: null, tally: { changeCount: 2, requestCount: 2 } });
        expect(d.state.window).toBeNull();
        expect(d.state.nextSeq).toBe(3);
    });

    it('carries joined changes that arrived after its import started (or within the clock skew) to the next run', () => {
        const d = withQueuedRun();
        d.feed(changes('later', { urgent: true }), T0 + 50_000);
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), T0 + 70_000);
        const importStartedAt = T0 + 50_000 + IMPORT_CLOCK_SKEW_MS;
        const end = d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0, importStartedAt }), T0 + 130_000);
        expect(d.state.history[0]).toMatchObject({
            seq: 2,
            tally: { changeCount: 1, requestCount: 1, urgentCount: 0 },
            carried: { to: 3, from: T0 + 50_000, changeCount: 1 },
        });
        // The carried change is due at once (it waited long enough), so only minSpacing holds its run back.
        const window = d.state.window;
        expect(window).toMatchObject({ seq: 3, firstChangeAt: T0 + 50_000, tally: { changeCount: 1, urgentCount: 1 } });
        if (window === null) throw new Error('window expected');
        const spaced = (d.state.spacingFrom ?? 0) + timing.minSpacingMs;
        expect(windowStartDueAt(window, d.state.spacingFrom, timing)).toBe(spaced);
        expect(d.state.wake?.at).toBe(spaced);
        expect(end.effects.filter((e) => e.type === 'recordRun')).toHaveLength(1);
    });

    it('carries every joined change when the runbook gave no evidence of its import, and none of the window’s', () => {
        const d = withQueuedRun();
        d.feed(changes('later', { count: 5 }), T0 + 50_000);
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), T0 + 70_000);
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), T0 + 130_000);
        expect(d.state.history[0]).toMatchObject({
            seq: 2,
            carried: { to: 3, changeCount: 5 },
            tally: { changeCount: 1 },
        });
    });

    it('reports joined changes failed with the run when its cycle failed, carrying nothing', () => {
        const d = withQueuedRun();
        d.feed(changes('later'), T0 + 50_000);
        d.feed(finished(d.ahead, { outcome: 'Succeeded', exportErrors: 0 }), T0 + 70_000);
        d.feed(finished(d.ahead, { outcome: 'Failed', exportErrors: 0, reason: 'module missing' }), T0 + 130_000);
        expect(d.state.history[0]).toMatchObject({
            seq: 2,
            carried: null,
            tally: { changeCount: 2 },
            report: { outcome: 'Failed' },
        });
        expect(d.ahead).toBeNull();
    });

    it('ends on its own when its job fails before the run ahead ends, and the next change queues anew', () => {
        const d = withQueuedRun();
        d.feed(finished(d.queued, { outcome: 'Failed', exportErrors: 0, reason: 'module missing' }), T0 + 45_000);
        expect(d.state.history[0]).toMatchObject({ seq: 2, report: { outcome: 'Failed' } });
        expect(d.ahead?.seq).toBe(1);
        expect(d.queued).toBeNull();
        expect(d.feed(changes('next'), T0 + 46_000).seq).toBe(3);
        expect(d.queued?.seq).toBe(3);
    });

    it('a busy retry starts the joined changes afresh: the next job is created after all of them', () => {
        const d = withQueuedRun();
        d.feed(changes('later'), T0 + 50_000);
        d.feed(finished(d.queued, { outcome: 'BusyTimeout', exportErrors: 0, reason: 'busy' }), T0 + 60_000);
        expect(d.queued).toMatchObject({ seq: 2, attempt: 2, joins: [], joinedSince: T0 + 60_000 });
    });

    it('without room for a queued run (SYNC_MAX_WAITING_JOBS=0) the change waits in a window', () => {
        const d = new Driver({ ...timing, maxWaitingJobs: 0 });
        d.feed(changes('r1'), T0);
        d.startRun();
        d.feed(changes('late'), T0 + 40_000);
        expect(d.queued).toBeNull();
        expect(d.state.window?.seq).toBe(2);
    });
});

describe('coveringSeq: which run covers a request', () => {
    const request = (acceptedAt: number): RequestRecord => ({
        requestId: 'q',
        targetId: 't1',
        windowSeq: 2,
        acceptedAt,
        changeCount: 1,
        urgentCount: 0,
        policy: 'Delta',
        correlationId: 'c',
        bodyHash: 'h',
        idempotencyKey: null,
    });
    const runs = new Map<number, RunSummary>([
        [2, { ...runSummary('t1', 2), carried: { to: 3, from: T0 + 50_000, changeCount: 1 } }],
        [3, { ...runSummary('t1', 3), carried: { to: 4, from: T0 + 90_000, changeCount: 1 } }],
        [4, runSummary('t1', 4)],
    ]);
    const lookup = (seq: number): Promise<RunSummary | null> => Promise.resolve(runs.get(seq) ?? null);

    it('stays with its run when it arrived before the carried changes, and follows them otherwise', async () => {
        expect(await coveringSeq(request(T0 + 49_999), lookup)).toBe(2);
        expect(await coveringSeq(request(T0 + 50_000), lookup)).toBe(3);
        expect(await coveringSeq(request(T0 + 95_000), lookup)).toBe(4);
    });
});
