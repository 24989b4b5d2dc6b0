import type { SyncPolicy } from '../../domain/policy';
import { CYCLE_RESULT_SCHEMA, type RUNBOOK_OUTCOMES } from '../../domain/runbookResult';

/*
 * The runbook's result line (infra/runbooks/Start-EntraSyncCycle.ps1, New-CycleResult, Complete-FromRunResults and
 * the TimedOut branch), built from the run history of its cycle, as the model of the runbook (runbook.ts) writes it.
 */

/** One run profile's result in the run history (Get-ADSyncRunProfileResult, its counters summed per run). */
export interface RunRecord {
    readonly connector: string;
    readonly runProfile: string;
    /** `success`, `completed-export-errors`, `stopped-server-down`, … */
    readonly result: string;
    readonly startedAt: number;
    /** Null while it runs. */
    readonly endedAt: number | null;
    readonly adds: number;
    readonly updates: number;
    readonly deletes: number;
    /** StageFailure plus ExportFailure. */
    readonly errors: number;
    /** ExportFailure. */
    readonly exportErrors: number;
}

/** The runs of one cycle that have started so far, oldest first. */
export interface CycleHistory {
    readonly runs: readonly RunRecord[];
}

/** One entry of the line's `connectors`: the counters are left out on TimedOut, as the script does. */
interface ConnectorLine {
    readonly connector: string;
    readonly runProfile: string;
    readonly result: string;
    readonly startedAt: number;
    readonly endedAt: number | null;
    readonly counters?: {
        readonly adds: number;
        readonly updates: number;
        readonly deletes: number;
        readonly errors: number;
    };
}

/** The fields of the result line (schema `entra-sync-trigger/cycle-result@1`), times in epoch ms. */
export interface RunbookResult {
    readonly outcome: (typeof RUNBOOK_OUTCOMES)[number];
    readonly reason: string;
    readonly correlationId: string;
    readonly policyType: SyncPolicy;
    readonly notBefore: number | null;
    readonly cycleStartedAt: number | null;
    readonly cycleEndedAt: number | null;
    readonly importStartedAt: number | null;
    readonly exportErrors: number;
    readonly busyRetries: number;
    readonly waitedForRunningCycleSeconds: number;
    readonly connectors: readonly ConnectorLine[];
}

/** What the runbook knows before it reads the run results. */
export type ResultBase = Omit<RunbookResult, 'outcome' | 'reason'>;

const MAX_REASON_LENGTH = 400;

/**
 * The line of a cycle that ended (Complete-FromRunResults): its outcome from its own runs' results.
 * @param base - what the runbook knows already
 * @param cycleStartedAt - when it called Start-ADSyncSyncCycle
 * @param cycleEndedAt - when it saw the end
 * @param history - its own cycle's runs
 */
export function withRunResults(
    base: ResultBase,
    cycleStartedAt: number,
    cycleEndedAt: number,
    history: CycleHistory,
): RunbookResult {
    const runs = history.runs;
    const result = {
        ...base,
        cycleStartedAt,
        cycleEndedAt,
        importStartedAt: importStartOf(runs),
        connectors: runs.map((run) => connectorLine(run, true)),
    };
    if (runs.length === 0) {
        return { ...result, outcome: 'Failed', reason: 'The cycle ended but no run-profile results were found for it' };
    }
    const exportErrorRuns = runs.filter((r) => lower(r.result) === 'completed-export-errors');
    const counted = runs.reduce((sum, r) => sum + r.exportErrors, 0);
    const exportErrors = counted === 0 && exportErrorRuns.length > 0 ? exportErrorRuns.length : counted;
    // success and the other completed-* results let the cycle stand; anything else is a failed run.
    const failedRuns = runs.filter((r) => lower(r.result) !== 'success' && !lower(r.result).startsWith('completed-'));
    if (failedRuns.length > 0) {
        const names = failedRuns.map((r) => `${r.connector} ${r.runProfile}: ${r.result}`).join('; ');
        return { ...result, exportErrors, outcome: 'Failed', reason: formatReason(`Run profiles failed: ${names}`) };
    }
    if (exportErrorRuns.length > 0) {
        const names = unique(exportErrorRuns.map((r) => r.connector)).join(', ');
        const reason = formatReason(`Cycle completed; ${exportErrors} export error(s) on ${names}`);
        return { ...result, exportErrors, outcome: 'CompletedWithExportErrors', reason };
    }
    const connectors = unique(runs.map((r) => r.connector)).length;
    const reason = `${base.policyType} cycle completed on ${connectors} connector(s)`;
    return { ...result, exportErrors, outcome: 'Succeeded', reason };
}

/**
 * The line when its own cycle outlasted TimeoutSeconds: the runs seen so far, and the import start (the import may
 * have read AD although the cycle has not ended).
 * @param base - what the runbook knows already
 * @param cycleStartedAt - when it called Start-ADSyncSyncCycle
 * @param history - its own cycle's runs so far
 * @param timeoutSeconds - TimeoutSeconds
 */
export function timedOutResult(
    base: ResultBase,
    cycleStartedAt: number,
    history: CycleHistory,
    timeoutSeconds: number,
): RunbookResult {
    return {
        ...base,
        cycleStartedAt,
        importStartedAt: importStartOf(history.runs),
        connectors: history.runs.map((run) => connectorLine(run, false)),
        outcome: 'TimedOut',
        reason: `The cycle was still running after ${timeoutSeconds} seconds`,
    };
}

/**
 * The one compact JSON line the runbook writes last, field for field as ConvertTo-Json -Compress writes its
 * ordered result (times as [datetime]::ToString('o') of UTC: seven fraction digits).
 * @param result - the result
 */
export function resultLine(result: RunbookResult): string {
    const time = (ms: number | null): string | null => (ms === null ? null : isoInstant(ms));
    return JSON.stringify({
        schema: CYCLE_RESULT_SCHEMA,
        outcome: result.outcome,
        reason: result.reason,
        correlationId: result.correlationId,
        policyType: result.policyType,
        notBefore: time(result.notBefore),
        cycleStartedAt: time(result.cycleStartedAt),
        cycleEndedAt: time(result.cycleEndedAt),
        importStartedAt: time(result.importStartedAt),
        exportErrors: result.exportErrors,
        busyRetries: result.busyRetries,
        waitedForRunningCycleSeconds: result.waitedForRunningCycleSeconds,
        connectors: result.connectors.map((c) => ({
            connector: c.connector,
            runProfile: c.runProfile,
            result: c.result,
            startedAt: time(c.startedAt),
            endedAt: time(c.endedAt),
            ...c.counters,
        })),
    });
}

/**
 * An instant as the runbook writes it.
 * @param ms - epoch ms
 */
export function isoInstant(ms: number): string {
    return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Get-ImportStartedAt: the start of the first import run profile ("Delta Import", "Full Import"), or null. */
function importStartOf(runs: readonly RunRecord[]): number | null {
    return runs.find((r) => /import/i.test(r.runProfile))?.startedAt ?? null;
}

function connectorLine(run: RunRecord, withCounters: boolean): ConnectorLine {
    const line = {
        connector: run.connector,
        runProfile: run.runProfile,
        result: run.result,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
    };
    if (!withCounters) return line;
    return { ...line, counters: { adds: run.adds, updates: run.updates, deletes: run.deletes, errors: run.errors } };
}

/** Format-Reason: one line, at most 400 characters. */
function formatReason(text: string): string {
    const oneLine = text.replace(/\s+/g, ' ').trim();
    return oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH - 3)}...` : oneLine;
}

function unique(values: readonly string[]): string[] {
    return [...new Set(values)];
}

const lower = (text: string): string => text.toLowerCase();
