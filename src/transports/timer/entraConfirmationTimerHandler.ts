import type { InvocationContext, Timer } from '@azure/functions';

import { advanceConfirmations } from '../../app/confirmVisibility';
import { getRequestStatus } from '../../app/requestStatusQuery';
import { submitChanges } from '../../app/submitChanges';
import { type FrontDoorResolver, submitDeps } from '../frontDoor';

export type EntraConfirmationTimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

/**
 * The confirmation timer (ENTRA_CONFIRMATION=on): moves the due confirmations on, within the pass's Graph budget —
 * looks objects up once their cycle ended, submits the one extra run when due, gives the final answer. With the
 * setting off it does nothing.
 * @param resolve - gives the services
 */
export function createEntraConfirmationTimerHandler(resolve: FrontDoorResolver): EntraConfirmationTimerHandler {
    return async (_timer, context) => {
        const services = await resolve();
        const confirmation = services.entraConfirmation;
        if (confirmation === null) return;
        const statusDeps = {
            coordinator: services.coordinator,
            requests: services.requests,
            targets: services.config.targets,
            clock: services.clock,
        };
        const report = await advanceConfirmations({
            directory: confirmation.directory,
            confirmations: confirmation.store,
            clock: services.clock,
            telemetry: services.telemetry,
            settings: confirmation.settings,
            requestStatus: (requestId) => getRequestStatus(statusDeps, requestId),
            submitExtraRun: async (targetId, idempotencyKey) => {
                // The one submission path, as any caller would use it: a manual, urgent change for the target.
                const outcome = await submitChanges(
                    { ...submitDeps(services), confirmations: null },
                    {
                        changes: [{ pointer: '/changes/0', kind: 'manual', hints: { target: targetId }, urgent: true }],
                        idempotencyKey,
                        eventKeys: null,
                        traceparents: [],
                        source: 'confirmation',
                        caller: { kind: 'internal', name: 'entraConfirmation' },
                    },
                );
                return outcome.kind === 'accepted' ? (outcome.shares[0]?.record.requestId ?? null) : null;
            },
            log: { info: (m) => context.info(m), warn: (m) => context.warn(m), error: (m) => context.error(m) },
        });
        await services.telemetry.flush();
        if (report.examined > 0 || report.expired > 0) {
            context.info(
                `Entra ID confirmation: ${report.examined} due, ${report.advanced} advanced, ${report.failures} failures, ${report.lookups} Graph requests in ${report.calls} calls, ${report.expired} expired records deleted`,
            );
        }
    };
}
