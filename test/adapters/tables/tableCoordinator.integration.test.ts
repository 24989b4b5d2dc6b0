import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ManualClock, MemoryAutomationJobs, MemoryTelemetry, MemoryWakeScheduler } from '../../../src/adapters/memory';
import { TableRequestStore } from '../../../src/adapters/tables/tableRequestStore';
import { TableTargetStateStore } from '../../../src/adapters/tables/tableTargetStateStore';
import { acceptRequest } from '../../../src/app/acceptRequest';
import { type Coordinator, createCoordinator } from '../../../src/app/coordinator';
import type { Target } from '../../../src/domain/target';
import type { RunSummary } from '../../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../../src/domain/timing';
import { type AzuriteTables, startAzuriteTables } from '../../support/azurite';
import { seededRandom } from '../../support/engineSimulation';
import { createTestTable, tableClient } from '../../support/tables';

// Several coordinators, each with its own TableClient and store, stand for separate Functions instances. They
// share what separate instances share: one Azurite table, one control queue (the wake scheduler), one Automation
// account (the jobs) and one notion of time.

const TARGET: Target = {
    targetId: 'contoso',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    resourceGroup: 'rg-sync',
    automationAccount: 'aa-sync',
    runbook: 'Start-EntraSyncCycle',
    hybridWorkerGroup: 'entra-connect',
    timing: DEFAULT_TIMING,
};
const TARGETS = new Map([[TARGET.targetId, TARGET]]);
const INSTANCES = 4;

let azurite: AzuriteTables;
beforeAll(async () => {
    azurite = await startAzuriteTables();
});
afterAll(() => azurite.stop());

interface Cluster {
    readonly clock: ManualClock;
    readonly wakes: MemoryWakeScheduler;
    readonly jobs: MemoryAutomationJobs;
    readonly telemetry: MemoryTelemetry;
    readonly coordinators: Coordinator[];
}

function instance(cluster: Omit<Cluster, 'coordinators'>, table: TableClient): Coordinator {
    return createCoordinator({
        store: new TableTargetStateStore(table),
        wakes: cluster.wakes,
        jobs: cluster.jobs,
        telemetry: cluster.telemetry,
        clock: cluster.clock,
        targets: TARGETS,
        // Short real waits keep the instances interleaving on the storage without slowing the test down.
        backoff: (attempt) => new Promise((resolve) => setTimeout(resolve, Math.min(20, attempt * 2))),
    });
}

function cluster(tableName: string, instances: number): Cluster {
    const clock = new ManualClock();
    const shared = {
        clock,
        wakes: new MemoryWakeScheduler(),
        jobs: new MemoryAutomationJobs(clock),
        telemetry: new MemoryTelemetry(),
    };
    const coordinators = Array.from({ length: instances }, () => instance(shared, tableClient(azurite, tableName)));
    return { ...shared, coordinators };
}

interface Accepted {
    readonly requestId: string;
    readonly seq: number;
    readonly acceptedAt: number;
}

function pick<T>(items: readonly T[], random: () => number): T {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
}

/** Delivers every due wake to a random instance, some twice (at-least-once delivery), all at the same time. */
async function deliverDueWakes(c: Cluster, random: () => number): Promise<void> {
    const due = c.wakes.takeDue(c.clock.now());
    const deliveries: Promise<void>[] = [];
    for (const wake of due) {
        const copies = random() < 0.3 ? 2 : 1;
        for (let i = 0; i < copies; i++)
            deliveries.push(pick(c.coordinators, random).onWake(wake.targetId, wake.token));
    }
    await Promise.all(deliveries);
}

/** Moves time on wake by wake (with a reconcile now and then) until the target is idle. */
async function runUntilIdle(c: Cluster, random: () => number): Promise<void> {
    for (let i = 0; i < 500; i++) {
        const state = await c.coordinators[0]?.readState(TARGET.targetId);
        if (state !== undefined && state.window === null && state.runs === null) return;
        const next = c.wakes.nextAt();
        c.clock.set(next ?? c.clock.now() + 15_000);
        if (next === null) await pick(c.coordinators, random).reconcile(TARGET.targetId);
        await deliverDueWakes(c, random);
        expect(c.jobs.runningAt(TARGET.targetId, c.clock.now()).length).toBeLessThanOrEqual(1);
    }
    throw new Error('the target did not become idle');
}

async function finishedRuns(coordinator: Coordinator, lastSeq: number): Promise<Map<number, RunSummary>> {
    const runs = new Map<number, RunSummary>();
    for (let seq = 1; seq <= lastSeq; seq++) {
        const run = await coordinator.getRun(TARGET.targetId, seq);
        if (run !== null) runs.set(seq, run);
    }
    return runs;
}

/**
 * Asserts single flight over the whole history: never more than one job ahead and one queued behind it (the
 * target's SYNC_MAX_WAITING_JOBS, 1), one cycle at a time, and each job name used once.
 */
function expectSingleFlight(c: Cluster, runs: ReadonlyMap<number, RunSummary>): void {
    for (const job of c.jobs.jobs.values()) {
        const inFlight = c.jobs.inFlightAt(TARGET.targetId, job.createdAt).map((j) => j.jobName);
        expect(
            inFlight.length,
            `jobs in flight when ${job.jobName} was created: ${inFlight.join(', ')}`,
        ).toBeLessThanOrEqual(1 + TARGET.timing.maxWaitingJobs);
        expect(c.jobs.runningAt(TARGET.targetId, job.createdAt).length).toBeLessThanOrEqual(1);
    }
    const names = [...runs.values()].map((r) => r.job?.name);
    expect(new Set(names).size).toBe(names.length);
    expect(
        names.every(
            (n) =>
                n !== null &&
                c.jobs.jobs.has(`${TARGET.subscriptionId}/${TARGET.resourceGroup}/${TARGET.automationAccount}/${n}`),
        ),
    ).toBe(true);
}

/** Every accepted change is covered by a finished run whose job was created after it was accepted. */
/**
 * Every request is covered by a run whose job was created after it was accepted, or whose import started after it
 * (the runbook's evidence, for a request that joined a queued run), following changes a run carried on.
 */
function expectCoverage(accepted: readonly Accepted[], runs: ReadonlyMap<number, RunSummary>): void {
    for (const change of accepted) {
        let run = runs.get(change.seq);
        for (
            let carried = run?.carried;
            carried !== undefined && carried !== null && change.acceptedAt >= carried.from;
            carried = run?.carried
        ) {
            run = runs.get(carried.to);
        }
        expect(run, `request ${change.requestId} (window ${change.seq}) has no finished run`).toBeDefined();
        expect(run?.report.outcome).toBe('Succeeded');
        const created = run?.job?.createdAt ?? -1;
        const imported = run?.report.importStartedAt ?? -1;
        expect(
            Math.max(created, imported),
            `request ${change.requestId} not covered by run ${String(run?.seq)}`,
        ).toBeGreaterThanOrEqual(change.acceptedAt);
    }
}

describe('coordinators on Azure Table Storage (Azurite)', () => {
    it(`${INSTANCES} concurrent instances on one target: ETag conflicts are retried, single flight and coverage hold`, async () => {
        const random = seededRandom(20260105);
        const c = cluster((await createTestTable(azurite)).tableName, INSTANCES);
        const accepted: Accepted[] = [];
        let requestCounter = 0;

        for (let round = 0; round < 60; round++) {
            const work: Promise<void>[] = [];
            // Every instance receives a few requests at once, as a burst spread over the scaled-out app would.
            for (const coordinator of c.coordinators) {
                const requests = Math.floor(random() * 4);
                for (let r = 0; r < requests; r++) {
                    const requestId = `req-${++requestCounter}`;
                    const acceptedAt = c.clock.now();
                    const urgent = random() < 0.2 ? 1 : 0;
                    work.push(
                        coordinator
                            .acceptChanges(TARGET.targetId, {
                                type: 'changesAccepted',
                                requestId,
                                correlationId: `corr-${requestCounter}`,
                                changeCount: 1,
                                urgentCount: urgent,
                                policy: 'Delta',
                                kinds: urgent === 1 ? { joiner: 1 } : { attribute: 1 },
                            })
                            .then((seq) => {
                                accepted.push({ requestId, seq, acceptedAt });
                            }),
                    );
                }
            }
            work.push(deliverDueWakes(c, random));
            await Promise.all(work);
            expect(c.jobs.runningAt(TARGET.targetId, c.clock.now()).length).toBeLessThanOrEqual(1);
            c.clock.advance(1_000 + Math.floor(random() * 14_000));
        }
        await runUntilIdle(c, random);

        const conflicts = c.coordinators.reduce((sum, k) => sum + k.stats().conflicts, 0);
        expect(conflicts).toBeGreaterThan(0);
        expect(accepted.length).toBe(requestCounter);
        const state = await c.coordinators[0]?.readState(TARGET.targetId);
        const lastSeq = (state?.nextSeq ?? 1) - 1;
        const runs = await finishedRuns(pick(c.coordinators, random), lastSeq);
        // More than one run proves changes arrived while runs were in progress (trailing runs), not one big window.
        expect(runs.size).toBeGreaterThan(1);
        expect(runs.size).toBe(lastSeq);
        expectSingleFlight(c, runs);
        expectCoverage(accepted, runs);
        // Requests merge into windows, not into runs of their own.
        expect(runs.size).toBeLessThan(accepted.length / 4);
        const changeTotal = [...runs.values()].reduce((sum, r) => sum + r.tally.changeCount, 0);
        expect(changeTotal).toBe(accepted.length);
    });

    it('the state survives a new coordinator instance, which carries on where the old ones stopped', async () => {
        const random = seededRandom(7);
        const tableName = (await createTestTable(azurite)).tableName;
        const first = cluster(tableName, 2);
        const seqBefore = await first.coordinators[0]?.acceptChanges(TARGET.targetId, {
            type: 'changesAccepted',
            requestId: 'before',
            correlationId: 'corr-before',
            changeCount: 3,
            urgentCount: 1,
            policy: 'Delta',
            kinds: { joiner: 1, attribute: 2 },
        });
        await runUntilIdle(first, random);
        const stateBefore = await first.coordinators[0]?.readState(TARGET.targetId);
        expect(stateBefore?.history[0]?.report.outcome).toBe('Succeeded');

        // A new process: new client, new store, new coordinator, nothing kept in memory. Time and the control
        // queue move on as they would.
        const fresh = instance(first, tableClient(azurite, tableName));
        const next: Cluster = { ...first, coordinators: [fresh] };
        expect(await fresh.readState(TARGET.targetId)).toEqual(stateBefore);
        expect(await fresh.getRun(TARGET.targetId, seqBefore ?? 0)).toEqual(stateBefore?.history[0]);

        first.clock.advance(DEFAULT_TIMING.minSpacingMs);
        const acceptedAt = first.clock.now();
        const seqAfter = await fresh.acceptChanges(TARGET.targetId, {
            type: 'changesAccepted',
            requestId: 'after',
            correlationId: 'corr-after',
            changeCount: 1,
            urgentCount: 0,
            policy: 'Initial',
            kinds: { manual: 1 },
        });
        expect(seqAfter).toBe((seqBefore ?? 0) + 1);
        await runUntilIdle(next, random);
        const stateAfter = await fresh.readState(TARGET.targetId);
        expect(stateAfter.history.map((r) => r.seq)).toEqual([seqAfter, seqBefore]);
        expect(stateAfter.history[0]?.tally.policy).toBe('Initial');
        expect(stateAfter.history[0]?.job?.createdAt ?? -1).toBeGreaterThanOrEqual(acceptedAt);
        expect(first.jobs.jobs.size).toBe(2);
    });

    it('duplicate deliveries of keyed requests to different instances count each change once', async () => {
        const random = seededRandom(99);
        const stateTable = (await createTestTable(azurite)).tableName;
        const requestTable = (await createTestTable(azurite)).tableName;
        const c = cluster(stateTable, INSTANCES);
        const instances = c.coordinators.map((coordinator) => ({
            coordinator,
            requests: new TableRequestStore(tableClient(azurite, requestTable)),
            telemetry: c.telemetry,
        }));
        const keys = Array.from({ length: 30 }, (_, i) => `hr-${i}`);
        let delivery = 0;
        const deliveries = keys.flatMap((key) =>
            // Each request arrives two or three times (client retries, redelivery), each time with a new id.
            Array.from({ length: 2 + Math.floor(random() * 2) }, () =>
                acceptRequest(pick(instances, random), {
                    requestId: `delivery-${++delivery}`,
                    targetId: TARGET.targetId,
                    changeCount: 2,
                    urgentCount: 0,
                    policy: 'Delta',
                    kinds: { attribute: 2 },
                    idempotencyKey: key,
                    bodyHash: `body-of-${key}`,
                    correlationId: `corr-${key}`,
                    acceptedAt: c.clock.now(),
                    source: 'http',
                }),
            ),
        );
        const outcomes = await Promise.all(deliveries);
        expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
        const firstIds = new Set(outcomes.map((o) => (o.kind === 'accepted' ? o.record.requestId : '')));
        expect(firstIds.size).toBe(keys.length);
        expect(outcomes.filter((o) => o.kind === 'accepted' && !o.duplicate)).toHaveLength(keys.length);

        const window = (await c.coordinators[0]?.readState(TARGET.targetId))?.window;
        expect(window?.tally.changeCount).toBe(keys.length * 2);
        expect(window?.tally.requestCount).toBe(keys.length);
        await runUntilIdle(c, random);
        const state = await c.coordinators[0]?.readState(TARGET.targetId);
        expect(state?.history.map((r) => r.tally.changeCount)).toEqual([keys.length * 2]);
        expect(await instances[0]?.requests.listUnmerged(c.clock.now() + 1, 100)).toEqual([]);
    });
});
