import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { ENTRA_CONFIRMATION_SCHEDULE, FUNCTION_NAMES } from '../src/transports/routes';
import { createEntraConfirmationTimerHandler } from '../src/transports/timer/entraConfirmationTimerHandler';

export const entraConfirmationTimer: FunctionRegistration = {
    name: FUNCTION_NAMES.entraConfirmationTimer,
    trigger: 'timer',
    options: {
        schedule: ENTRA_CONFIRMATION_SCHEDULE,
        runOnStartup: false,
        useMonitor: false,
        handler: createEntraConfirmationTimerHandler(getServices),
    },
};
