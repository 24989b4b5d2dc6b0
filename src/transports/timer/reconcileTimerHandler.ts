import type { InvocationContext, Timer } from '@azure/functions';

import { reconcileAll } from '../../app/reconcile';
import type { FrontDoorResolver } from '../frontDoor';

export type ReconcileTimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

/**
 * The reconcile timer: merges stranded requests and lets the engine repair every target. Failures per target
 * are logged by `reconcileAll`; the next tick tries again, so nothing is thrown for them.
 * @param resolve - gives the services
 */
export function createReconcileTimerHandler(resolve: FrontDoorResolver): ReconcileTimerHandler {
    return async (timer, context) => {
        const services = await resolve();
        const report = await reconcileAll({
            coordinator: services.coordinator,
            requests: services.requests,
            telemetry: services.telemetry,
            clock: services.clock,
            targetIds: [...services.config.targets.keys()],
            requestRetentionMs: services.config.requestRetentionMs,
            log: { info: (m) => context.info(m), warn: (m) => context.warn(m), error: (m) => context.error(m) },
        });
        await services.telemetry.flush();
        context.info(
            `Reconcile${timer.isPastDue ? ' (past due)' : ''}: ${report.targets} targets, ${report.merged} stranded requests merged, ${report.failures} failures, ${report.expired} expired requests deleted`,
        );
    };
}
