import { describe, expect, it } from 'vitest';

import { MemoryConfirmationStore } from '../../src/adapters/confirmations/memoryConfirmationStore';
import { ManualClock } from '../../src/adapters/memory/manualClock';
import { MemoryTelemetry } from '../../src/adapters/memory/memoryTelemetry';
import { type ConfirmationSettings, type ConfirmVisibilityDeps, retryPolicyOf } from '../../src/app/confirmationDeps';
import { extraRunKey } from '../../src/app/confirmationOutcome';
import { advanceConfirmations, rememberObjectsToConfirm } from '../../src/app/confirmVisibility';
import type { SubmittedChange } from '../../src/app/splitByTarget';
import { maxFailedLookupsPerRound } from '../../src/domain/confirmationProgress';
import type { RequestRecord, RequestStatus } from '../../src/domain/requestStatus';
import type { RunSummary } from '../../src/domain/targetState';
import { FakeDirectory } from '../support/fakeDirectory';
import { runSummary } from '../support/targetStateFixtures';

const TARGET = 'connect-01';
const DELAY = 120_000;
const PASS = 30_000;

function record(requestId: string, acceptedAt: number): RequestRecord {
    return {
        requestId,
        targetId: TARGET,
        windowSeq: 1,
        acceptedAt,
        changeCount: 1,
        urgentCount: 1,
        policy: 'Delta',
        correlationId: `corr-${requestId}`,
        bodyHash: 'h',
        idempotencyKey: null,
    };
}

const joiner = (upn: string, objectId?: string): SubmittedChange => ({
    pointer: '/changes/0',
    kind: 'joiner',
    hints: { upn },
    ...(objectId === undefined ? {} : { objectId }),
});

const upns = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}@contoso.com`);

/** The world around the use case: statuses the test sets, and the extra runs submitted. */
function world(overrides: Partial<ConfirmationSettings> = {}) {
    const clock = new ManualClock();
    const store = new MemoryConfirmationStore();
    const directory = new FakeDirectory();
    const telemetry = new MemoryTelemetry();
    const statuses = new Map<string, RequestStatus>();
    const submitted: { targetId: string; key: string }[] = [];
    const settings: ConfirmationSettings = {
        extraRunDelayMs: DELAY,
        maxExtraRuns: 1,
        batchSize: 200,
        retentionMs: 30 * 86_400_000,
        lookupsPerPass: 300,
        lookupDeadlineMs: 900_000,
        ...overrides,
    };
    const deps: ConfirmVisibilityDeps = {
        directory,
        confirmations: store,
        clock,
        telemetry,
        settings,
        requestStatus: (id) => Promise.resolve(statuses.get(id) ?? null),
        submitExtraRun: (targetId, key) => {
            submitted.push({ targetId, key });
            return Promise.resolve(`extra-${submitted.length}`);
        },
    };
    const finish = (requestId: string, run: RunSummary = runSummary(TARGET, 1)): void => {
        const request = record(requestId, 0);
        statuses.set(requestId, { state: run.report.outcome === 'Succeeded' ? 'succeeded' : 'failed', request, run });
    };
    const remember = async (requestId: string, changes: SubmittedChange[]): Promise<void> =>
        rememberObjectsToConfirm(store, [{ record: record(requestId, clock.now()), duplicate: false }], changes, {
            targets: new Map([[TARGET, {}]]),
            routing: { rules: [], defaultTarget: TARGET },
        });
    /** Timer passes every 30 s; the extra runs' cycles end at once. */
    const passes = async (n: number) => {
        const reports = [];
        for (let i = 0; i < n; i++) {
            submitted.forEach((_, n) => finish(`extra-${n + 1}`, runSummary(TARGET, 2)));
            reports.push(await advanceConfirmations(deps));
            clock.advance(PASS);
        }
        return reports;
    };
    const state = async (requestId: string) => (await store.get(requestId))?.state;
    return { clock, store, directory, telemetry, statuses, submitted, deps, settings, finish, remember, passes, state };
}

describe('Entra ID confirmation (use case)', () => {
    it('waits for the cycle, then confirms a joiner that is in Entra ID, with the change-to-visible latency', async () => {
        const w = world();
        await w.remember('r1', [joiner('new.joiner@contoso.com')]);
        await advanceConfirmations(w.deps);
        expect(w.directory.asked).toEqual([]);
        expect(await w.state('r1')).toEqual({ phase: 'awaitingRun' });

        w.clock.advance(90_000);
        w.finish('r1');
        w.directory.show('new.joiner@contoso.com');
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toEqual({ phase: 'confirmed', confirmedAt: w.clock.now(), extraRuns: 0 });
        expect(w.telemetry.events).toEqual([
            expect.objectContaining({
                type: 'VisibleInEntra',
                requestId: 'r1',
                objectRef: 'new.joiner@contoso.com',
                lookupBy: 'userPrincipalName',
                changeToVisibleMs: 90_000,
            }),
        ]);
        expect(w.submitted).toEqual([]);
    });

    it('looks an objectGUID up by its anchor (base64 of the GUID in Windows byte order)', async () => {
        const w = world();
        await w.remember('r1', [joiner('x@contoso.com', '00112233-4455-6677-8899-aabbccddeeff')]);
        const stored = await w.store.get('r1');
        if (stored === null) throw new Error('not stored');
        const expected = Buffer.from([
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
        ]).toString('base64');
        expect((await w.store.readObjects(stored)).flatMap((c) => c.refs)).toEqual([
            { by: 'immutableId', value: expected },
        ]);
    });

    it('records nothing for a request that names no object', async () => {
        const w = world();
        await w.remember('r1', [{ pointer: '/changes/0', kind: 'manual', hints: {} }]);
        expect(await w.store.get('r1')).toBeNull();
    });

    it('a lagging object gets exactly one extra run after the delay, then a final NotVisibleInEntra', async () => {
        const w = world();
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'awaitingExtraRun', extraRuns: 1 });

        // Before the delay: nothing is submitted, however often the timer runs.
        w.clock.advance(DELAY - 1);
        await advanceConfirmations(w.deps);
        await advanceConfirmations(w.deps);
        expect(w.submitted).toEqual([]);

        w.clock.advance(1);
        await advanceConfirmations(w.deps);
        // The extra run is waiting for its cycle: no second submission, no answer yet.
        w.statuses.set('extra-1', { state: 'waiting', request: record('extra-1', 0), expectedStartAt: 0 });
        await advanceConfirmations(w.deps);
        await advanceConfirmations(w.deps);
        expect(w.submitted).toEqual([{ targetId: TARGET, key: extraRunKey('r1', 1) }]);
        expect((await w.state('r1'))?.phase).toBe('awaitingExtraRun');

        w.finish('extra-1', runSummary(TARGET, 2));
        await advanceConfirmations(w.deps);
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'notVisible', extraRuns: 1, missing: 1, lookupFailed: 0 });
        expect(w.submitted).toHaveLength(1);
        expect(w.telemetry.events.filter((e) => e.type === 'NotVisibleInEntra')).toEqual([
            expect.objectContaining({ objectRef: 'late@contoso.com', extraRuns: 1 }),
        ]);
        // After its cycle, just before the extra run, after it: three lookups, no more.
        expect(w.directory.askedAbout('late@contoso.com')).toBe(3);
    });

    it('confirms an object the extra run carried', async () => {
        const w = world();
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        w.clock.advance(DELAY);
        await advanceConfirmations(w.deps);
        w.finish('extra-1', runSummary(TARGET, 2));
        w.directory.show('late@contoso.com');
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'confirmed', extraRuns: 1 });
    });

    it('needs no extra run when another cycle carried the object before the delay ended', async () => {
        const w = world();
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        w.directory.show('late@contoso.com');
        w.clock.advance(DELAY);
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'confirmed', extraRuns: 0 });
        expect(w.submitted).toEqual([]);
    });

    it('with ENTRA_CONFIRMATION_EXTRA_RUNS=0 answers at once, without an extra run', async () => {
        const w = world({ maxExtraRuns: 0 });
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'notVisible', extraRuns: 0 });
        expect(w.submitted).toEqual([]);
    });

    it('does not look up objects of a cycle that failed (the request already says so)', async () => {
        const w = world();
        await w.remember('r1', [joiner('x@contoso.com')]);
        w.finish('r1', runSummary(TARGET, 1, 'Failed'));
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toEqual({ phase: 'notApplicable', because: 'cycleDidNotSucceed' });
        expect(w.directory.asked).toEqual([]);
    });

    it('tells a cloud account holding the UPN apart from a missing object', async () => {
        const w = world({ maxExtraRuns: 0 });
        await w.remember('r1', [joiner('taken@contoso.com')]);
        w.directory.show('taken@contoso.com', false);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        expect(await w.state('r1')).toMatchObject({ phase: 'notVisible', reason: 'cloudObject' });
    });
});

describe('Entra ID confirmation: cost, per-object state, budgets and fairness', () => {
    it('5,000 UPNs found after the cycle: each looked up once, 334 requests of 15 in 17 calls, within the pass budget', async () => {
        const w = world();
        const names = upns('u', 5000);
        for (const n of names) w.directory.show(n);
        await w.remember(
            'big',
            names.map((n) => joiner(n)),
        );
        w.finish('big');
        const reports = await w.passes(3);
        expect(await w.state('big')).toMatchObject({ phase: 'confirmed', extraRuns: 0 });
        expect(w.directory.requests).toBe(Math.ceil(5000 / 15));
        expect(w.directory.calls).toBe(17);
        expect(new Set(w.directory.asked).size).toBe(5000);
        expect(w.directory.asked).toHaveLength(5000);
        for (const r of reports) expect(r.lookups).toBeLessThanOrEqual(w.settings.lookupsPerPass);
        // 334 requests need two passes of 300: the first is spent in full, the rest follows 30 s later.
        expect(reports.map((r) => r.lookups)).toEqual([300, 34, 0]);
        expect(w.telemetry.events.filter((e) => e.type === 'VisibleInEntra')).toHaveLength(5000);
    });

    it('5,000 UPNs never visible: three lookups per object (after the cycle, before and after the extra run), 1,002 requests, not 15,000', async () => {
        const w = world();
        const names = upns('u', 5000);
        await w.remember(
            'big',
            names.map((n) => joiner(n)),
        );
        w.finish('big');
        await w.passes(20);
        expect(await w.state('big')).toMatchObject({ phase: 'notVisible', missing: 5000, extraRuns: 1 });
        expect(w.directory.requests).toBe(3 * Math.ceil(5000 / 15));
        for (const n of [names[0] ?? '', names[4999] ?? '']) expect(w.directory.askedAbout(n)).toBe(3);
        expect(w.directory.asked).toHaveLength(15_000);
        expect(w.submitted).toHaveLength(1);
    });

    it('an object found is never looked up again, however the others fare', async () => {
        const w = world();
        await w.remember('r1', [joiner('early@contoso.com'), joiner('late@contoso.com')]);
        w.directory.show('early@contoso.com');
        w.finish('r1');
        await w.passes(20);
        expect(w.directory.askedAbout('early@contoso.com')).toBe(1);
        expect(w.directory.askedAbout('late@contoso.com')).toBe(3);
        expect(await w.state('r1')).toMatchObject({ phase: 'notVisible', missing: 1 });
        expect(w.telemetry.events.filter((e) => e.type === 'VisibleInEntra')).toHaveLength(1);
    });

    it('one failing object backs off on its own, is isolated from the others, and gets a final answer with the reason', async () => {
        const w = world();
        const names = upns('u', 5000);
        for (const n of names) w.directory.show(n);
        w.directory.failing.set('u4999@contoso.com', 'invalidAnswer');
        await w.remember(
            'big',
            names.map((n) => joiner(n)),
        );
        w.finish('big');
        const reports = await w.passes(60);
        const policy = retryPolicyOf(w.settings);
        // Final, with the reason, by the deadline plus one back-off and one pass.
        expect(await w.state('big')).toMatchObject({
            phase: 'notVisible',
            reason: 'lookupFailed',
            missing: 0,
            lookupFailed: 1,
            lookupFailure: 'invalidAnswer',
        });
        expect(w.directory.askedAbout('u4999@contoso.com')).toBeLessThanOrEqual(maxFailedLookupsPerRound(policy));
        // Its neighbours shared a request with it at first; halving the groups freed them within a few tries.
        const neighbours = names.slice(4985, 4999);
        for (const n of neighbours) expect(w.directory.askedAbout(n)).toBeLessThanOrEqual(5);
        // Everyone else was asked exactly once.
        for (const n of names.slice(0, 4985)) expect(w.directory.askedAbout(n)).toBe(1);
        // Passes after the first two do not repeat the 5,000: only the failing object (and briefly its neighbours).
        for (const r of reports.slice(2)) expect(r.lookups).toBeLessThanOrEqual(15);
    });

    it('200 stuck requests never hold a newer healthy one: it is confirmed in its first pass', async () => {
        const w = world();
        for (let i = 0; i < 200; i++) {
            await w.remember(`stuck-${i}`, [joiner(`stuck${i}@contoso.com`)]);
            w.directory.failing.set(`stuck${i}@contoso.com`, 'invalidAnswer');
            w.finish(`stuck-${i}`);
        }
        await w.passes(10);
        w.clock.advance(1000);
        await w.remember('new', [joiner('new@contoso.com')]);
        w.directory.show('new@contoso.com');
        w.finish('new');
        await w.passes(1);
        expect(await w.state('new')).toMatchObject({ phase: 'confirmed' });
    });

    it('two large requests share a pass: the second is not starved by the first, and the pass stays within its budget', async () => {
        const w = world();
        const a = upns('a', 3000);
        const b = upns('b', 3000);
        for (const n of [...a, ...b]) w.directory.show(n);
        await w.remember(
            'A',
            a.map((n) => joiner(n)),
        );
        w.clock.advance(1);
        await w.remember(
            'B',
            b.map((n) => joiner(n)),
        );
        w.finish('A');
        w.finish('B');
        const [first] = await w.passes(1);
        expect(first?.lookups).toBe(300);
        // Each got its share (60 requests = 900 objects) before the rest of the budget went to whoever still had work.
        expect(w.directory.asked.filter((v) => v.startsWith('b')).length).toBeGreaterThanOrEqual(900);
        await w.passes(3);
        expect(await w.state('A')).toMatchObject({ phase: 'confirmed' });
        expect(await w.state('B')).toMatchObject({ phase: 'confirmed' });
        expect(w.directory.requests).toBe(2 * Math.ceil(3000 / 15));
    });

    it('a throttled directory halts the pass: nothing else is sent until the objects are due again', async () => {
        const w = world();
        await w.remember('r1', [joiner('a@contoso.com')]);
        await w.remember('r2', [joiner('b@contoso.com')]);
        w.directory.failing.set('a@contoso.com', 'throttled');
        w.directory.show('b@contoso.com');
        w.finish('r1');
        w.finish('r2');
        const [report] = await w.passes(1);
        expect(report?.lookups).toBe(1);
        expect(w.directory.askedAbout('b@contoso.com')).toBe(0);
        w.directory.failing.clear();
        w.directory.show('a@contoso.com');
        await w.passes(2);
        expect(await w.state('r1')).toMatchObject({ phase: 'confirmed' });
        expect(await w.state('r2')).toMatchObject({ phase: 'confirmed' });
    });
});
