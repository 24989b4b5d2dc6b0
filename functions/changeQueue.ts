import { app } from '@azure/functions';

import { getServices } from '../src/composition/runtime';
import { CHANGE_QUEUE_SETTING, FUNCTION_NAMES, SERVICE_BUS_CONNECTION } from '../src/transports/routes';
import { createChangeQueueHandler } from '../src/transports/serviceBus/changeQueueHandler';

app.serviceBusQueue(FUNCTION_NAMES.changeQueue, {
    connection: SERVICE_BUS_CONNECTION,
    queueName: `%${CHANGE_QUEUE_SETTING}%`,
    cardinality: 'many',
    isSessionsEnabled: false,
    handler: createChangeQueueHandler(getServices),
});
