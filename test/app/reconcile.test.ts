import { describe, expect, it } from 'vitest';

import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../src/adapters/memory';
import { createCoordinator } from '../../src/app/coordinator';
import { reconcileAll, type ReconcileDeps, RETENTION_BATCH } from '../../src/app/reconcile';
import type { RequestRecord } from '../../src/domain/requestStatus';
import type { Logger } from '../../src/ports/logger';
import { requestRecord } from '../adapters/contracts/requestStoreContract';
import { testTarget } from '../support/targets';

const DAY_MS = 86_400_000;
const RETENTION_MS = 30 * DAY_MS;
const NOW = Date.UTC(2026, 5, 15, 14, 30, 0);

function harness(requests: MemoryRequestStore = new MemoryRequestStore()) {
    const clock = new ManualClock(NOW);
    const target = testTarget();
    const telemetry = new MemoryTelemetry();
    const coordinator = createCoordinator({
        store: new MemoryTargetStateStore(),
        wakes: new MemoryWakeScheduler(),
        jobs: new MemoryAutomationJobs(clock),
        telemetry,
        clock,
        targets: new Map([[target.targetId, target]]),
    });
    const errors: string[] = [];
    const log: Logger = { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) };
    const deps: ReconcileDeps = {
        coordinator,
        requests,
        telemetry,
        clock,
        targetIds: [target.targetId],
        log,
        requestRetentionMs: RETENTION_MS,
    };
    return { deps, requests, errors, telemetry };
}

/** A merged request accepted `ageMs` before now. */
function merged(requestId: string, ageMs: number): RequestRecord {
    return requestRecord({ requestId, acceptedAt: NOW - ageMs, windowSeq: 1 });
}

describe('reconcileAll retention', () => {
    it('deletes requests from whole UTC days older than the retention and keeps the rest', async () => {
        const { deps, requests, errors } = harness();
        const cutoff = Math.floor((NOW - RETENTION_MS) / DAY_MS) * DAY_MS;
        await requests.register(merged('old', RETENTION_MS + 2 * DAY_MS));
        await requests.register(
            requestRecord({ requestId: 'just-before-midnight', acceptedAt: cutoff - 1, windowSeq: 1 }),
        );
        // Older than the retention, but on the cutoff's day: kept until that day is over.
        await requests.register(merged('same-day', RETENTION_MS + 1_000));
        await requests.register(merged('young', DAY_MS));

        const report = await reconcileAll(deps);

        expect(report.expired).toBe(2);
        expect(report.failures).toBe(0);
        expect(errors).toEqual([]);
        expect(
            requests
                .all()
                .map((r) => r.requestId)
                .sort(),
        ).toEqual(['same-day', 'young']);
    });

    it('deletes at most one batch per tick; the next ticks drain the rest', async () => {
        const { deps, requests } = harness();
        for (let i = 0; i < RETENTION_BATCH + 5; i++) await requests.register(merged(`old-${i}`, 40 * DAY_MS));
        expect((await reconcileAll(deps)).expired).toBe(RETENTION_BATCH);
        expect((await reconcileAll(deps)).expired).toBe(5);
        expect((await reconcileAll(deps)).expired).toBe(0);
        expect(requests.all()).toEqual([]);
    });

    it('logs a failing retention and still reconciles every target', async () => {
        class FailingRetention extends MemoryRequestStore {
            override deleteOlderThan(): Promise<number> {
                return Promise.reject(new Error('storage down'));
            }
        }
        const { deps, errors, telemetry } = harness(new FailingRetention());
        const report = await reconcileAll(deps);
        expect(report).toMatchObject({ targets: 1, expired: 0, failures: 1 });
        expect(errors).toEqual(['Reconcile could not delete expired requests: storage down']);
        expect(telemetry.heartbeats.map((b) => b.targetId)).toEqual(['contoso']);
    });
});
