import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { CONTROL_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/transports/routes';
import { createControlQueueHandler } from '../src/transports/serviceBus/controlQueueHandler';

app.serviceBusQueue(FUNCTION_NAMES.controlQueue, {
    connection: SERVICE_BUS_CONNECTION,
    queueName: `%${CONTROL_QUEUE_SETTING}%`,
    cardinality: 'one',
    isSessionsEnabled: false,
    handler: createControlQueueHandler(getServices),
});
