import type { InvocationContext } from '@azure/functions';

import { parseWakeMessage } from '../../ports/wakeMessage';
import type { FrontDoorResolver } from '../frontDoor';

export type ControlQueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/**
 * The control-queue trigger (one message): hands a wake-up to the coordinator. A message that is not a wake-up
 * is logged with its reason and completed: wakes carry no user data, and the reconcile timer repairs whatever a
 * lost wake would have done. A failing step throws, so Service Bus redelivers the wake.
 * @param resolve - gives the services
 */
export function createControlQueueHandler(resolve: FrontDoorResolver): ControlQueueHandler {
    return async (message, context) => {
        const services = await resolve();
        const parsed = parseWakeMessage(message);
        if (parsed.kind === 'invalid') {
            context.error(`Ignored control message: ${parsed.deadLetterReason}: ${parsed.deadLetterErrorDescription}`);
            return;
        }
        const { targetId, token } = parsed.wake;
        if (!services.config.targets.has(targetId)) {
            context.warn(`Ignored a wake-up for unknown target ${targetId}`);
            return;
        }
        await services.coordinator.onWake(targetId, token);
    };
}
