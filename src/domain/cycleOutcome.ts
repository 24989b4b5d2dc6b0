/** Outcomes the runbook itself reports in its result line. */
export const RUNBOOK_OUTCOMES = [
    'Succeeded',
    'CompletedWithExportErrors',
    'SkippedStagingMode',
    'SkippedSchedulerSuspended',
    'BusyTimeout',
    'Failed',
    'TimedOut',
] as const;

/**
 * Outcomes the engine decides when the runbook could not report (never started, never finished, stopped, or the
 * job is gone: Automation answers "not found" for it, so nothing more will ever be learnt about it).
 */
const ENGINE_OUTCOMES = ['WorkerOffline', 'StartFailed', 'Stopped', 'NeedsAttention', 'JobLost'] as const;

/** How a run ended: a runbook outcome or an engine outcome. */
export type CycleOutcome = (typeof RUNBOOK_OUTCOMES)[number] | (typeof ENGINE_OUTCOMES)[number];

export const CYCLE_OUTCOMES: readonly CycleOutcome[] = [...RUNBOOK_OUTCOMES, ...ENGINE_OUTCOMES];

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
    /**
     * When the cycle's first import run profile started (epoch ms), from the runbook's run history: the import
     * reads every change made before this moment, so it is the evidence that a change is covered by the run.
     */
    readonly importStartedAt?: number;
    /** Per-connector results, compact. */
    readonly connectors?: readonly ConnectorReport[];
    /**
     * The engine stopped the job: Automation confirmed the stop, or the job never confirmed it within `stopGrace`
     * and the engine let it go (it may still be running on the worker). Absent when the engine stopped nothing.
     */
    readonly stop?: 'confirmed' | 'unconfirmed';
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
