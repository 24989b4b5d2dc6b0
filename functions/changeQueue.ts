import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { CHANGE_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/transports/routes';
import { createChangeQueueHandler } from '../src/transports/serviceBus/changeQueueHandler';

export const changeQueue: FunctionRegistration = {
    name: FUNCTION_NAMES.changeQueue,
    trigger: 'serviceBusQueue',
    options: {
        connection: SERVICE_BUS_CONNECTION,
        queueName: `%${CHANGE_QUEUE_SETTING}%`,
        cardinality: 'many',
        isSessionsEnabled: false,
        handler: createChangeQueueHandler(getServices),
    },
};
