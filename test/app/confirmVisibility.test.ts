import { describe, expect, it } from 'vitest';

import { MemoryConfirmationStore } from '../../src/adapters/confirmations/memoryConfirmationStore';
import { ManualClock } from '../../src/adapters/memory/manualClock';
import { MemoryTelemetry } from '../../src/adapters/memory/memoryTelemetry';
import {
    advanceConfirmations,
    type ConfirmVisibilityDeps,
    extraRunKey,
    rememberObjectsToConfirm,
} from '../../src/app/confirmVisibility';
import type { SubmittedChange } from '../../src/app/splitByTarget';
import type { DirectoryObjectRef } from '../../src/domain/entraConfirmation';
import type { RequestRecord, RequestStatus } from '../../src/domain/requestStatus';
import type { RunSummary } from '../../src/domain/targetState';
import type { Directory, DirectoryUser } from '../../src/ports/directory';
import { runSummary } from '../support/targetStateFixtures';

const TARGET = 'connect-01';
const DELAY = 120_000;

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

/** A directory whose users appear when the test says so. */
class FakeDirectory implements Directory {
    readonly visible = new Map<string, DirectoryUser>();
    lookups = 0;
    findUser(ref: DirectoryObjectRef): Promise<DirectoryUser | null> {
        this.lookups++;
        return Promise.resolve(this.visible.get(ref.value) ?? null);
    }
    show(value: string, synced = true): void {
        this.visible.set(value, {
            id: `id-${value}`,
            userPrincipalName: value,
            onPremisesImmutableId: null,
            onPremisesSyncEnabled: synced ? true : null,
            onPremisesLastSyncAt: synced ? 1 : null,
        });
    }
}

/** The world around the use case: statuses the test sets, and the extra runs submitted. */
function world(maxExtraRuns = 1) {
    const clock = new ManualClock();
    const store = new MemoryConfirmationStore();
    const directory = new FakeDirectory();
    const telemetry = new MemoryTelemetry();
    const statuses = new Map<string, RequestStatus>();
    const submitted: { targetId: string; key: string }[] = [];
    const deps: ConfirmVisibilityDeps = {
        directory,
        confirmations: store,
        clock,
        telemetry,
        settings: { extraRunDelayMs: DELAY, maxExtraRuns, batchSize: 100, retentionMs: 30 * 86_400_000 },
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
    return { clock, store, directory, telemetry, statuses, submitted, deps, finish, remember };
}

describe('Entra ID confirmation (use case)', () => {
    it('waits for the cycle, then confirms a joiner that is in Entra ID, with the change-to-visible latency', async () => {
        const w = world();
        await w.remember('r1', [joiner('new.joiner@contoso.com')]);
        await advanceConfirmations(w.deps);
        expect(w.directory.lookups).toBe(0);
        expect((await w.store.get('r1'))?.state).toEqual({ phase: 'awaitingRun' });

        w.clock.advance(90_000);
        w.finish('r1');
        w.directory.show('new.joiner@contoso.com');
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toEqual({
            phase: 'confirmed',
            confirmedAt: w.clock.now(),
            extraRuns: 0,
        });
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
        const expected = Buffer.from([
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
        ]).toString('base64');
        expect(stored?.objects).toEqual([{ by: 'immutableId', value: expected }]);
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
        expect((await w.store.get('r1'))?.state).toMatchObject({ phase: 'awaitingExtraRun', extraRuns: 1 });

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
        expect((await w.store.get('r1'))?.state.phase).toBe('awaitingExtraRun');

        w.finish('extra-1', runSummary(TARGET, 2));
        await advanceConfirmations(w.deps);
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toMatchObject({
            phase: 'notVisible',
            extraRuns: 1,
            missing: [{ by: 'userPrincipalName', value: 'late@contoso.com' }],
        });
        expect(w.submitted).toHaveLength(1);
        expect(w.telemetry.events.filter((e) => e.type === 'NotVisibleInEntra')).toHaveLength(1);
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
        expect((await w.store.get('r1'))?.state).toMatchObject({ phase: 'confirmed', extraRuns: 1 });
    });

    it('needs no extra run when another cycle carried the object before the delay ended', async () => {
        const w = world();
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        w.directory.show('late@contoso.com');
        w.clock.advance(DELAY);
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toMatchObject({ phase: 'confirmed', extraRuns: 0 });
        expect(w.submitted).toEqual([]);
    });

    it('with ENTRA_CONFIRMATION_EXTRA_RUNS=0 answers at once, without an extra run', async () => {
        const w = world(0);
        await w.remember('r1', [joiner('late@contoso.com')]);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toMatchObject({ phase: 'notVisible', extraRuns: 0 });
        expect(w.submitted).toEqual([]);
    });

    it('does not look up objects of a cycle that failed (the request already says so)', async () => {
        const w = world();
        await w.remember('r1', [joiner('x@contoso.com')]);
        w.finish('r1', runSummary(TARGET, 1, 'Failed'));
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toEqual({ phase: 'notApplicable', because: 'cycleDidNotSucceed' });
        expect(w.directory.lookups).toBe(0);
    });

    it('tells a cloud account holding the UPN apart from a missing object', async () => {
        const w = world(0);
        await w.remember('r1', [joiner('taken@contoso.com')]);
        w.directory.show('taken@contoso.com', false);
        w.finish('r1');
        await advanceConfirmations(w.deps);
        expect((await w.store.get('r1'))?.state).toMatchObject({ phase: 'notVisible', reason: 'cloudObject' });
    });
});
