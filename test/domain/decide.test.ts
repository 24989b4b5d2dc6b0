import { describe, expect, it } from 'vitest';

import { DEFAULT_TIMING, type TargetTiming } from '../../src/domain/timing';
import { LOST_WAKE_GRACE_MS } from '../../src/domain/wake';
import { windowCloseAt, windowStartDueAt } from '../../src/domain/window';
import { changes, Driver, succeeded, T0 } from '../support/decideDriver';

const timing: TargetTiming = DEFAULT_TIMING;
/** A target that queues no job behind the running one: changes during a run wait in a window for its end. */
const NO_QUEUE: TargetTiming = { ...DEFAULT_TIMING, maxWaitingJobs: 0 };

describe('decide: windows', () => {
    it('opens a window with the first change and schedules one wake for its close', () => {
        const d = new Driver();
        const decision = d.feed(changes('r1'), T0);
        expect(decision.seq).toBe(1);
        expect(d.state.window).toMatchObject({ seq: 1, firstChangeAt: T0, tally: { policy: 'Delta', changeCount: 1 } });
        expect(d.ofType('scheduleWake')).toEqual([
            { type: 'scheduleWake', targetId: 't1', token: 't1:1', at: T0 + timing.quietMs },
        ]);
        expect(d.events()).toEqual(['WindowOpened']);
    });

    it('makes the window Initial when an Initial change arrives into an open Delta window', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.feed(changes('r2', { policy: 'Initial' }), T0 + 1000);
        d.feed(changes('r3'), T0 + 2000);
        expect(d.state.window?.tally.policy).toBe('Initial');
        expect(d.state.window?.tally.requestCount).toBe(3);
        expect(d.state.lastInitialAcceptedAt).toBe(T0 + 1000);
    });

    it('keeps extending the debounce but closes by maxWait under a steady stream', () => {
        const d = new Driver();
        for (let t = 0; t < timing.maxWaitMs; t += 10_000) {
            // Deliver the pending wake when it is due, as the control queue would.
            const pending = d.state.wake;
            if (pending !== null && pending.at <= T0 + t) d.feed({ type: 'wake', token: pending.token }, pending.at);
            d.feed(changes(`r${t}`), T0 + t);
        }
        const window = d.state.window;
        if (window === null) throw new Error('window expected');
        expect(windowCloseAt(window, timing)).toBe(T0 + timing.maxWaitMs);
        // Wakes per window are bounded by a constant of the timing (each wake is more than quiet/2 after the
        // previous one, or at most two per change interval), however many changes arrived.
        expect(d.ofType('scheduleWake').length).toBeLessThanOrEqual((4 * timing.maxWaitMs) / timing.quietMs + 1);
        // A change at the deadline finds the window due and closes it itself; it goes into the next window.
        const atDeadline = d.feed(changes('at-deadline'), T0 + timing.maxWaitMs);
        expect(atDeadline.seq).toBe(1);
        expect(d.ahead?.tally.changeCount).toBe(timing.maxWaitMs / 10_000 + 1);
        expect(d.ofType('startJob')).toHaveLength(1);
    });

    it('shortens the close when an urgent change arrives while a run holds the window', () => {
        const d = new Driver(NO_QUEUE);
        d.feed(changes('r0'), T0);
        d.startRun();
        const at = d.now;
        d.feed(changes('r1'), at);
        d.feed(changes('joiner', { urgent: true }), at + 15_000);
        for (let t = 20_000; t < 15_000 + timing.urgentMaxWaitMs; t += 5_000) d.feed(changes(`r${t}`), at + t);
        const window = d.state.window;
        if (window === null) throw new Error('window expected');
        expect(window.lead).toBe(false);
        expect(window.tally.firstUrgentAt).toBe(at + 15_000);
        expect(windowCloseAt(window, timing)).toBe(at + 15_000 + timing.urgentMaxWaitMs);
    });

    it('replaces a pending wake that is long overdue (lost) on the next input', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const lost = d.state.wake;
        if (lost === null) throw new Error('wake expected');
        // The wake is never delivered; a change arrives more than a minute after it was due.
        const later = T0 + timing.quietMs + 61_000;
        const next = d.feed(changes('r2'), later);
        const scheduled = next.effects.filter((e) => e.type === 'scheduleWake');
        expect(scheduled).toHaveLength(1);
        expect(d.state.wake?.token).not.toBe(lost.token);
        expect(d.state.wake?.at).toBe(later + timing.quietMs);
    });

    it('counts a re-merged request id once and returns its original window', () => {
        const d = new Driver();
        d.feed(changes('r1', { count: 5 }), T0);
        const again = d.feed(changes('r1', { count: 5 }), T0 + 1000);
        expect(again.seq).toBe(1);
        expect(d.state.window?.tally.changeCount).toBe(5);
        expect(d.state.window?.tally.requestCount).toBe(1);
    });
});

describe('decide: lead (an urgent change on an idle target)', () => {
    it('starts the run at once, without waiting for quiet', () => {
        const d = new Driver();
        const lead = d.feed(changes('joiner', { urgent: true }), T0);
        expect(lead.seq).toBe(1);
        expect(d.state.window).toBeNull();
        expect(d.ahead).toMatchObject({ seq: 1, phase: 'starting', windowClosedAt: T0 });
        expect(d.ofType('startJob').map((e) => e.seq)).toEqual([1]);
        expect(d.state.spacingFrom).toBe(T0);
    });

    it('keeps the window rule for a non-urgent change on an idle target', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        expect(d.state.window?.lead).toBe(false);
        expect(d.ofType('startJob')).toHaveLength(0);
        expect(d.state.wake?.at).toBe(T0 + timing.quietMs);
    });

    it('lets an urgent change lead the open window it joins when no run is in progress', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const joined = d.feed(changes('joiner', { urgent: true }), T0 + 1_000);
        expect(d.state.window).toBeNull();
        expect(d.ahead).toMatchObject({ seq: 1, windowClosedAt: T0 + 1_000, tally: { changeCount: 2 } });
        expect(joined.effects.filter((e) => e.type === 'startJob')).toHaveLength(1);
    });

    it('keeps the window rule for an urgent change while a run is in progress (no job queued behind)', () => {
        const d = new Driver(NO_QUEUE);
        d.feed(changes('r1'), T0);
        d.startRun();
        d.feed(changes('joiner', { urgent: true }), T0 + 40_000);
        const window = d.state.window;
        if (window === null) throw new Error('window expected');
        expect(window.lead).toBe(false);
        expect(windowCloseAt(window, timing)).toBe(T0 + 40_000 + timing.quietMs);
        expect(d.ofType('startJob').map((e) => e.seq)).toEqual([1]);
    });

    it('still waits for minSpacing after the previous start, and later changes join the held window', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const started = T0 + timing.quietMs;
        d.startRun();
        d.observe(succeeded, started + 30_000);
        expect(d.ahead).toBeNull();
        d.feed(changes('joiner', { urgent: true }), started + 31_000);
        d.feed(changes('r2'), started + 50_000);
        expect(d.state.window).toMatchObject({ lead: true, tally: { changeCount: 2 } });
        expect(d.ofType('startJob').map((e) => e.seq)).toEqual([1]);
        // Quiet after r2 would be +70 s; the lead window starts at the spacing boundary (+60 s) all the same.
        const window = d.state.window;
        if (window === null) throw new Error('window expected');
        expect(windowStartDueAt(window, d.state.spacingFrom, timing)).toBe(started + timing.minSpacingMs);
        d.pump(
            () => succeeded,
            () => d.ahead?.seq === 2,
        );
        expect(d.ahead).toMatchObject({ seq: 2, tally: { changeCount: 2 } });
        expect(d.state.spacingFrom).toBe(started + timing.minSpacingMs);
    });
});

describe('decide: runs', () => {
    it('closes the window into a starting run and asks for the job on the due wake', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.wakeOnTime();
        expect(d.state.window).toBeNull();
        expect(d.ahead).toMatchObject({ seq: 1, attempt: 1, phase: 'starting' });
        expect(d.ofType('startJob')).toEqual([
            {
                type: 'startJob',
                targetId: 't1',
                epoch: 'e0000001',
                seq: 1,
                attempt: 1,
                policy: 'Delta',
                correlationId: 'corr-r1',
                notBefore: null,
            },
        ]);
        expect(d.state.spacingFrom).toBe(T0 + timing.quietMs);
    });

    it('delays the next start by minSpacing', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const started = T0 + timing.quietMs;
        d.startRun();
        d.observe(succeeded, started + 30_000);
        expect(d.ahead).toBeNull();
        d.feed(changes('r2'), started + 31_000);
        // Debounce alone would start it at +51 s; spacing holds it until minSpacing after the previous start.
        expect(timing.minSpacingMs).toBeGreaterThan(55_000);
        const early = d.feed({ type: 'wake', token: null }, started + 55_000);
        expect(early.effects.filter((e) => e.type === 'startJob')).toHaveLength(0);
        d.pump(
            () => succeeded,
            () => d.ahead?.seq === 2,
        );
        expect(d.state.spacingFrom).toBe(started + timing.minSpacingMs);
        expect(d.ofType('startJob').map((e) => e.seq)).toEqual([1, 2]);
    });

    it('without a job queued behind: a change during a run waits in a window and runs after', () => {
        const d = new Driver(NO_QUEUE);
        d.feed(changes('r1'), T0);
        d.startRun();
        const during = d.feed(changes('late'), T0 + 40_000);
        expect(during.seq).toBe(2);
        expect(d.ahead?.seq).toBe(1);
        expect(d.state.window?.seq).toBe(2);
        const cycleEnd = T0 + 400_000;
        const starts: number[] = [];
        d.pump(
            (now) => (now < cycleEnd ? { kind: 'running', status: 'Running' } : succeeded),
            () => {
                if (d.ahead !== null && !starts.includes(d.ahead.seq)) starts.push(d.ahead.seq);
                return d.ahead?.seq === 2;
            },
        );
        // Run 2 started only after run 1 ended, with no new change to prompt it.
        expect(d.state.history[0]).toMatchObject({ seq: 1, report: { outcome: 'Succeeded' } });
        expect(d.state.history[0]?.endedAt).toBeGreaterThanOrEqual(cycleEnd);
        expect(d.ahead?.windowClosedAt).toBeGreaterThanOrEqual(cycleEnd);
        expect(d.ahead?.tally.changeCount).toBe(1);
    });

    it('ignores stale wake tokens when nothing is due', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const stale = d.feed({ type: 'wake', token: 't1:0' }, T0 + 1000);
        expect(stale.changed).toBe(false);
        expect(stale.effects).toEqual([]);
        expect(stale.state).toBe(d.state);
    });

    it('lets a reconcile (token null) repair a lost wake', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        const pendingAt = d.state.wake?.at ?? 0;
        // The wake message was lost; reconcile comes along after the grace period.
        const repaired = d.feed({ type: 'wake', token: null }, pendingAt + LOST_WAKE_GRACE_MS + 1);
        expect(repaired.changed).toBe(true);
        expect(d.ahead?.phase).toBe('starting');
        expect(d.ofType('startJob')).toHaveLength(1);
    });

    it('makes a new attempt when the cycle reports the retryable BusyTimeout', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        d.observe(
            { kind: 'finished', status: 'Completed', report: { outcome: 'BusyTimeout', exportErrors: 0 } },
            T0 + 100_000,
        );
        expect(d.ahead).toMatchObject({ seq: 1, attempt: 2, phase: 'starting' });
        // A starting run carries no job fields at all: the previous attempt's job is not part of it.
        expect(d.ahead).not.toHaveProperty('jobName');
        expect(d.events()).toContain('RunRetried');
        d.pump(
            () => succeeded,
            () => d.ahead === null,
        );
        expect(d.ofType('startJob').map((e) => e.attempt)).toEqual([1, 2]);
        expect(d.state.history[0]).toMatchObject({ seq: 1, attempts: 2, report: { outcome: 'Succeeded' } });
    });

    it('finishes the run BusyTimeout when attempts are used up', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.pump(
            () => ({ kind: 'finished', status: 'Completed', report: { outcome: 'BusyTimeout', exportErrors: 0 } }),
            () => d.state.history.length > 0,
        );
        expect(d.ahead).toBeNull();
        expect(d.state.history[0]).toMatchObject({
            attempts: timing.maxRunAttempts,
            report: { outcome: 'BusyTimeout' },
        });
        expect(d.ofType('startJob')).toHaveLength(timing.maxRunAttempts);
    });

    it('reports a job stuck queued as WorkerOffline once and stops it at runTimeout', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const createdAt = d.job().jobCreatedAt;
        d.pump(
            () => ({ kind: 'queued', status: 'New' }),
            () => d.ofType('stopJob').length > 0,
        );
        expect(d.events().filter((e) => e === 'WorkerOffline')).toHaveLength(1);
        expect(d.ahead).toMatchObject({ phase: 'stopping', stopReason: 'WorkerOffline' });
        expect(d.stopping().stopRequestedAt).toBe(createdAt + timing.runTimeoutMs);
        // The job confirms the stop: the run ends WorkerOffline, not Stopped.
        d.observe({ kind: 'finished', status: 'Stopped', report: { outcome: 'Stopped', exportErrors: 0 } });
        expect(d.state.history[0]?.report.outcome).toBe('WorkerOffline');
        expect(d.ofType('stopJob')).toHaveLength(1);
    });

    it('frees the target after stopGrace when the stop is never confirmed', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        d.observe({ kind: 'running', status: 'Running', startedAt: T0 + 25_000 }, T0 + 40_000);
        const createdAt = d.job().jobCreatedAt;
        d.feed({ type: 'wake', token: null }, createdAt + timing.runTimeoutMs);
        d.observe({ kind: 'running', status: 'Running' });
        expect(d.ahead).toMatchObject({ phase: 'stopping', stopReason: 'TimedOut' });
        const stopAt = createdAt + timing.runTimeoutMs;
        d.feed(changes('waiting'), stopAt + 1000);
        d.feed({ type: 'wake', token: null }, stopAt + timing.stopGraceMs - 1);
        expect(d.ahead).not.toBeNull();
        d.feed({ type: 'wake', token: null }, stopAt + timing.stopGraceMs);
        expect(d.state.history[0]).toMatchObject({ seq: 1, report: { outcome: 'TimedOut' } });
        expect(d.state.history[0]?.report.stop).toBe('unconfirmed');
        // The freed target goes on with the waiting window.
        expect(d.ahead?.seq).toBe(2);
    });

    it('repeats the stop with every poll until the job confirms it (regression: a lost stop was never re-sent)', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const createdAt = d.job().jobCreatedAt;
        d.pump(
            () => ({ kind: 'running', status: 'Running' }),
            () => d.ahead?.phase === 'stopping',
        );
        expect(d.ofType('stopJob')).toHaveLength(1);
        d.pump(
            () => ({ kind: 'running', status: 'Stopping' }),
            () =>
                d.ofType('observeJob').filter((e) => d.now > createdAt + timing.runTimeoutMs && e.seq === 1).length >
                    0 && d.ofType('stopJob').length >= 3,
        );
        // Every poll while stopping carries the stop again.
        const stops = d.ofType('stopJob');
        expect(stops.every((e) => e.seq === 1 && e.attempt === 1)).toBe(true);
        expect(d.ahead?.phase).toBe('stopping');
    });

    it('sends the stop once more when it frees a target whose job never confirmed (regression)', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const createdAt = d.job().jobCreatedAt;
        d.feed({ type: 'wake', token: null }, createdAt + timing.runTimeoutMs);
        d.observe({ kind: 'queued', status: 'New' });
        expect(d.ofType('stopJob')).toHaveLength(1);
        // Lost wakes: nothing happens until long after the grace; the engine then lets go but asks again.
        const late = d.feed({ type: 'wake', token: null }, createdAt + timing.runTimeoutMs + 10 * timing.stopGraceMs);
        expect(late.effects.filter((e) => e.type === 'stopJob')).toHaveLength(1);
        expect(d.ahead).toBeNull();
        expect(d.state.history[0]?.report.stop).toBe('unconfirmed');
    });

    it('a job gone while stopping ends the run with the stop reason at once, freeing the target', () => {
        const d = new Driver(NO_QUEUE);
        d.feed(changes('r1'), T0);
        d.startRun();
        const createdAt = d.job().jobCreatedAt;
        d.feed({ type: 'wake', token: null }, createdAt + timing.runTimeoutMs);
        expect(d.ofType('stopJob')).toHaveLength(0);
        expect(d.job().lastPollAt).toBe(createdAt + timing.runTimeoutMs);
        d.observe({ kind: 'running', status: 'Running' });
        expect(d.ahead).toMatchObject({ phase: 'stopping', stopReason: 'TimedOut' });
        d.feed(changes('r2'), d.now + 1_000);
        d.observe({ kind: 'notFound' }, d.now + 1_000);
        expect(d.state.history[0]).toMatchObject({ seq: 1, report: { outcome: 'TimedOut' } });
        expect(d.state.history[0]?.report.reason).toContain('no job');
        // The target is free: the waiting window becomes a run at its own due time, not after the stop grace.
        expect(d.ahead).toBeNull();
        expect(d.state.window?.seq).toBe(2);
    });

    it('retries a transient create failure with back-off and fails the run on a permanent one', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.wakeOnTime();
        const closedAt = T0 + timing.quietMs;
        d.feed({ type: 'jobStartFailed', seq: 1, attempt: 1, transient: true, reason: '503' }, closedAt);
        expect(d.ahead).toMatchObject({ phase: 'starting', startFailures: 1 });
        expect(d.starting().startDueAt).toBe(closedAt + timing.pollIntervalMs);
        d.feed({ type: 'jobStartFailed', seq: 1, attempt: 1, transient: false, reason: '403' }, closedAt + 20_000);
        expect(d.ahead).toBeNull();
        expect(d.state.history[0]).toMatchObject({ report: { outcome: 'StartFailed', reason: '403' } });
        expect(d.ofType('recordRun')).toHaveLength(1);
    });

    it('ignores results of another seq or attempt', () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        const before = d.state;
        const other = d.feed({ type: 'jobObserved', seq: 1, attempt: 2, observation: succeeded }, T0 + 60_000);
        expect(other.changed).toBe(false);
        expect(d.state).toBe(before);
    });
});
