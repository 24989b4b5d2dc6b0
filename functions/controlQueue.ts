import { app } from '@azure/functions';

import { createControlQueueHandler } from '../src/intake/controlQueueHandler';
import { CONTROL_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/intake/routes';
import { getServices } from '../src/intake/runtime';

app.serviceBusQueue(FUNCTION_NAMES.controlQueue, {
    connection: SERVICE_BUS_CONNECTION,
    queueName: `%${CONTROL_QUEUE_SETTING}%`,
    cardinality: 'one',
    isSessionsEnabled: false,
    handler: createControlQueueHandler(getServices),
});
