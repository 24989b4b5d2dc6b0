import type { InvocationContext } from '@azure/functions';

import type { Services } from '../composition';

/** A wake-up read from the control queue, or why it could not be read. */
export type ParsedWake =
    | { readonly ok: true; readonly targetId: string; readonly token: string }
    | { readonly ok: false; readonly reason: string };

export type ControlQueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/**
 * The control-queue trigger (one message): hands a wake-up to the coordinator. A message that is not a wake-up
 * is logged and completed: wakes carry no user data, and reconcile repairs whatever a lost wake would have
 * done. A failing step throws, so Service Bus redelivers the wake.
 * @param resolve - gives the services
 * @param parseWake - reads the message (the Service Bus adapter's `parseWakeMessage`)
 */
export function createControlQueueHandler(
    resolve: () => Services,
    parseWake: (message: unknown) => ParsedWake,
): ControlQueueHandler {
    return async (message, context) => {
        const services = resolve();
        const wake = parseWake(message);
        if (!wake.ok) {
            context.error(`Ignored a control message that is not a wake-up: ${wake.reason}`);
            return;
        }
        if (!services.config.targets.has(wake.targetId)) {
            context.warn(`Ignored a wake-up for unknown target ${wake.targetId}`);
            return;
        }
        await services.coordinator.onWake(wake.targetId, wake.token);
    };
}
