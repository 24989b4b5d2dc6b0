import { ensureError } from '../errors';
import type { Clock } from '../ports/clock';
import { type AcceptDeps, mergeUnmerged } from './acceptRequest';
import type { Logger } from './logger';

export interface ReconcileDeps extends AcceptDeps {
    readonly clock: Clock;
    readonly targetIds: readonly string[];
    readonly log: Logger;
}

/** Requests younger than this may still be merging in another process; leave them to it. */
export const UNMERGED_GRACE_MS = 60_000;

export interface ReconcileReport {
    readonly targets: number;
    readonly merged: number;
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
    for (const targetId of deps.targetIds) {
        try {
            await deps.coordinator.reconcile(targetId);
            const state = await deps.coordinator.readState(targetId);
            const last = state.history[0];
            const healthy =
                last === undefined || last.outcome === 'Succeeded' || last.outcome === 'CompletedWithExportErrors';
            deps.telemetry.trackHeartbeat(
                targetId,
                healthy,
                last === undefined ? 'no run yet' : `last run ${last.outcome}`,
            );
        } catch (e) {
            failures++;
            deps.log.error(`Reconcile failed for target ${targetId}: ${ensureError(e).message}`);
        }
    }
    return { targets: deps.targetIds.length, merged, failures };
}
