import type { TargetTiming } from './timing';

/**
 * A target: one Entra Connect server, reached through one Automation account, runbook and Hybrid Worker group,
 * with its own timing. The one description of a target; settings are parsed into it and every layer reads it.
 */
export interface Target {
    readonly targetId: string;
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly automationAccount: string;
    readonly runbook: string;
    readonly hybridWorkerGroup: string;
    readonly timing: TargetTiming;
}

/** Where a target's jobs run: the part of a {@link Target} that Automation needs. */
export type AutomationTarget = Omit<Target, 'timing'>;
