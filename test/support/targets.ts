import type { ChangesAccepted } from '../../src/domain/decision';
import type { Target } from '../../src/domain/target';
import { DEFAULT_TIMING, type TargetTiming } from '../../src/domain/timing';

/**
 * The target most tests use: one Connect server `contoso` with default timing.
 * @param timing - timing overrides
 */
export function testTarget(timing: Partial<TargetTiming> = {}): Target {
    return {
        targetId: 'contoso',
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        resourceGroup: 'rg',
        automationAccount: 'aa-sync',
        runbook: 'Start-EntraSyncCycle',
        hybridWorkerGroup: 'entra-connect',
        timing: { ...DEFAULT_TIMING, ...timing },
    };
}

/**
 * One accepted joiner, as the intake hands it to the coordinator.
 * @param requestId - the request's id
 */
export function joinerAccepted(requestId = 'r1'): ChangesAccepted {
    return {
        type: 'changesAccepted',
        requestId,
        correlationId: 'c1',
        changeCount: 1,
        urgentCount: 1,
        policy: 'Delta',
        kinds: { joiner: 1 },
    };
}
