import { ensureError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { type AcceptDeps, mergeUnmerged } from './acceptRequest';

export interface ReconcileDeps extends AcceptDeps {
    readonly clock: Clock;
    readonly targetIds: readonly string[];
    readonly log: Logger;
    /** REQUEST_RETENTION_DAYS in ms: older requests are deleted a bounded batch per tick. */
    readonly requestRetentionMs: number;
}

/** Requests younger than this may still be merging in another process; leave them to it. */
const UNMERGED_GRACE_MS = 60_000;

/** Requests deleted per tick at most, so one tick stays short; a backlog drains over the following ticks. */
export const RETENTION_BATCH = 100;

const DAY_MS = 86_400_000;

export interface ReconcileReport {
    readonly targets: number;
    readonly merged: number;
    /** Requests deleted by retention this tick. */
    readonly expired: number;
    readonly failures: number;
}

/**
 * The reconcile timer's work: merge stranded requests, then let the engine repair every target (lost wake-ups,
 * stale polls, a crash between saving and acting) and report a heartbeat per target.
 * @param deps - ports
 */
export async function reconcileAll(deps: ReconcileDeps): Promise<ReconcileReport> {
    let failures = 0;
    let merged = 0;
    try {
        merged = await mergeUnmerged(deps, deps.clock.now() - UNMERGED_GRACE_MS);
    } catch (e) {
        failures++;
        deps.log.error(`Reconcile could not merge stranded requests: ${ensureError(e).message}`);
    }
    let expired = 0;
    try {
        expired = await deps.requests.deleteOlderThan(retentionCutoff(deps), RETENTION_BATCH);
    } catch (e) {
        failures++;
        deps.log.error(`Reconcile could not delete expired requests: ${ensureError(e).message}`);
    }
    for (const targetId of deps.targetIds) {
        try {
            await deps.coordinator.reconcile(targetId);
            const state = await deps.coordinator.readState(targetId);
            const last = state.history[0];
            const healthy =
                last === undefined ||
                last.report.outcome === 'Succeeded' ||
                last.report.outcome === 'CompletedWithExportErrors';
            deps.telemetry.trackHeartbeat(
                targetId,
                healthy,
                last === undefined ? 'no run yet' : `last run ${last.report.outcome}`,
            );
        } catch (e) {
            failures++;
            deps.log.error(`Reconcile failed for target ${targetId}: ${ensureError(e).message}`);
        }
    }
    return { targets: deps.targetIds.length, merged, expired, failures };
}

/**
 * Midnight UTC at or before `now - retention`: requests go a whole day at a time, so the store reads only
 * old days and never today's (kept at least the retention, deleted within a day after).
 */
function retentionCutoff(deps: ReconcileDeps): number {
    const oldestKept = deps.clock.now() - deps.requestRetentionMs;
    return Math.floor(oldestKept / DAY_MS) * DAY_MS;
}
