import { getServices } from '../src/composition/runtime';
import type { FunctionRegistration } from '../src/transports/functionRegistration';
import { FUNCTION_NAMES, RECONCILE_SCHEDULE } from '../src/transports/routes';
import { createReconcileTimerHandler } from '../src/transports/timer/reconcileTimerHandler';

export const reconcileTimer: FunctionRegistration = {
    name: FUNCTION_NAMES.reconcileTimer,
    trigger: 'timer',
    options: {
        schedule: RECONCILE_SCHEDULE,
        runOnStartup: false,
        useMonitor: true,
        handler: createReconcileTimerHandler(getServices),
    },
};
