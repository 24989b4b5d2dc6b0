/**
 * How a run ended. The first seven come from the runbook's result line; the rest are decided by the engine
 * when the runbook could not report (the job never started, never finished, or was stopped).
 */
export type CycleOutcome =
    | 'Succeeded'
    | 'CompletedWithExportErrors'
    | 'SkippedStagingMode'
    | 'SkippedSchedulerSuspended'
    | 'BusyTimeout'
    | 'Failed'
    | 'TimedOut'
    | 'WorkerOffline'
    | 'StartFailed'
    | 'Stopped'
    | 'NeedsAttention';

export const CYCLE_OUTCOMES: readonly CycleOutcome[] = [
    'Succeeded',
    'CompletedWithExportErrors',
    'SkippedStagingMode',
    'SkippedSchedulerSuspended',
    'BusyTimeout',
    'Failed',
    'TimedOut',
    'WorkerOffline',
    'StartFailed',
    'Stopped',
    'NeedsAttention',
];

/** What a finished run means for the requests it covered. */
export type OutcomeClass = 'succeeded' | 'partiallySucceeded' | 'skipped' | 'failed';

/**
 * Classifies an outcome for request status and HTTP answers.
 * @param outcome - the run's outcome
 */
export function classifyOutcome(outcome: CycleOutcome): OutcomeClass {
    switch (outcome) {
        case 'Succeeded':
            return 'succeeded';
        case 'CompletedWithExportErrors':
            return 'partiallySucceeded';
        case 'SkippedStagingMode':
        case 'SkippedSchedulerSuspended':
            return 'skipped';
        default:
            return 'failed';
    }
}

/**
 * Whether another attempt of the same run can help: Connect was busy with someone else's cycle for too long.
 * @param outcome - the attempt's outcome
 */
export function isRetryableOutcome(outcome: CycleOutcome): boolean {
    return outcome === 'BusyTimeout';
}

/** The part of the runbook's result that the engine keeps with the run. */
export interface CycleReport {
    readonly outcome: CycleOutcome;
    /** Plain-language reason, from the runbook or the engine. Never contains payloads. */
    readonly reason?: string;
    readonly exportErrors: number;
    /** When the sync cycle itself (not the job) started and ended, as reported by the runbook. */
    readonly cycleStartedAt?: number;
    readonly cycleEndedAt?: number;
    /** Per-connector results, compact. */
    readonly connectors?: readonly ConnectorReport[];
}

/** One connector's run-profile result in the cycle. */
export interface ConnectorReport {
    readonly connector: string;
    readonly runProfile: string;
    readonly result: string;
    readonly adds?: number;
    readonly updates?: number;
    readonly deletes?: number;
    readonly errors?: number;
}
