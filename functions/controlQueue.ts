import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { CONTROL_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/transports/routes';
import { createControlQueueHandler } from '../src/transports/serviceBus/controlQueueHandler';

export const controlQueue: FunctionRegistration = {
    name: FUNCTION_NAMES.controlQueue,
    trigger: 'serviceBusQueue',
    options: {
        connection: SERVICE_BUS_CONNECTION,
        queueName: `%${CONTROL_QUEUE_SETTING}%`,
        cardinality: 'one',
        isSessionsEnabled: false,
        handler: createControlQueueHandler(getServices),
    },
};
