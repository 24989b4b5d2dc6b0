import { z } from 'zod';

import { type ConnectorReport, type CycleReport, RUNBOOK_OUTCOMES } from './cycleOutcome';

export { RUNBOOK_OUTCOMES };

/**
 * The schema id the runbook writes in its result line. Bump the version (`@2`) on any breaking change; the
 * runbook (infra/runbooks/Start-EntraSyncCycle.ps1) carries the same string and a test checks both.
 */
export const CYCLE_RESULT_SCHEMA = 'entra-sync-trigger/cycle-result@1';

const MAX_REASON_CHARS = 500;
// Three runs per connector (import, sync, export); the runbook reads at most 100 runs of run history.
const MAX_CONNECTORS = 200;

// Windows PowerShell 5.1 serialises [datetime] as "\/Date(ms)\/"; the runbook sends ISO 8601, but accept both.
const timestamp = z
    .string()
    .max(64)
    .transform((text, ctx) => {
        const legacy = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(text);
        const ms = legacy?.[1] === undefined ? Date.parse(text) : Number(legacy[1]);
        if (Number.isNaN(ms)) {
            ctx.addIssue({ code: 'custom', message: `not a timestamp: "${text.slice(0, 40)}"` });
            return z.NEVER;
        }
        return ms;
    });

const counter = z.number().int().min(0);

const connectorSchema = z.object({
    connector: z.string().min(1).max(256),
    runProfile: z.string().max(256),
    result: z.string().max(128),
    startedAt: timestamp.nullish(),
    endedAt: timestamp.nullish(),
    adds: counter.nullish(),
    updates: counter.nullish(),
    deletes: counter.nullish(),
    errors: counter.nullish(),
});

// PowerShell 5.1 collapses a one-element array to its element unless forced with @(); accept both shapes.
const connectorList = z.preprocess(
    (value: unknown): unknown => (value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]),
    z.array(connectorSchema).max(MAX_CONNECTORS),
);

/** The runbook's result line, version 1. Unknown fields are ignored so that additions stay compatible. */
const runbookResultSchema = z.object({
    schema: z.literal(CYCLE_RESULT_SCHEMA),
    outcome: z.enum(RUNBOOK_OUTCOMES),
    reason: z.string().nullish(),
    correlationId: z.string().max(64).nullish(),
    policyType: z.enum(['Delta', 'Initial']).nullish(),
    cycleStartedAt: timestamp.nullish(),
    cycleEndedAt: timestamp.nullish(),
    // Added within @1 (optional): runbooks written before it leave it out, and the connectors' import runs stand in.
    importStartedAt: timestamp.nullish(),
    exportErrors: counter.nullish(),
    busyRetries: counter.nullish(),
    waitedForRunningCycleSeconds: z.number().min(0).nullish(),
    connectors: connectorList,
});

type RunbookResult = z.infer<typeof runbookResultSchema>;

/**
 * Parsing a job's output: the result and its report, or why there is none. Never throws.
 * `importStartedAt` is when the cycle's first import run profile started: the runbook's own field, else the
 * earliest start among the connectors' import runs, else undefined (no evidence: the run covers nothing by it).
 */
export type RunbookOutputParse =
    | {
          readonly ok: true;
          readonly result: RunbookResult;
          readonly report: CycleReport;
          readonly importStartedAt: Date | undefined;
      }
    | { readonly ok: false; readonly reason: string };

/**
 * Finds the runbook's result line in a job's output (the LAST line that is a JSON object naming a schema;
 * noise before or after it is ignored) and validates it.
 * @param output - the job's whole output text
 */
export function parseRunbookOutput(output: string): RunbookOutputParse {
    const line = lastResultLine(output);
    if (line === null) return { ok: false, reason: 'The runbook wrote no result line' };
    let json: unknown;
    try {
        json = JSON.parse(line);
    } catch {
        return { ok: false, reason: 'The runbook result line is not valid JSON (truncated output?)' };
    }
    const version = schemaVersionOf(json);
    if (version !== CYCLE_RESULT_SCHEMA) {
        return {
            ok: false,
            reason:
                version === null
                    ? 'The runbook result line names no schema'
                    : `The runbook result line has an unsupported schema "${version.slice(0, 80)}" (expected ${CYCLE_RESULT_SCHEMA})`,
        };
    }
    const parsed = runbookResultSchema.safeParse(json);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue === undefined ? '' : issue.path.map(String).join('.');
        return {
            ok: false,
            reason: `The runbook result line is invalid${where === '' ? '' : ` at ${where}`}: ${issue?.message ?? 'unknown issue'}`,
        };
    }
    const importStartedAt = importStartOf(parsed.data);
    return {
        ok: true,
        result: parsed.data,
        report: reportFromResult(parsed.data, importStartedAt),
        importStartedAt: importStartedAt === undefined ? undefined : new Date(importStartedAt),
    };
}

/**
 * The cycle report of a job that completed: the runbook's own report, or a Failed one that says why the
 * output could not be used.
 * @param output - the job's whole output text
 */
export function cycleReportFromOutput(output: string): CycleReport {
    const parsed = parseRunbookOutput(output);
    return parsed.ok ? parsed.report : { outcome: 'Failed', reason: parsed.reason, exportErrors: 0 };
}

/**
 * When the first import run profile of the cycle started (epoch ms): the runbook says so itself since it reports
 * `importStartedAt`; an older runbook's line still lists each run with its start, and an import run is named so
 * ("Delta Import", "Full Import").
 */
function importStartOf(result: RunbookResult): number | undefined {
    if (isNumber(result.importStartedAt)) return result.importStartedAt;
    const starts = result.connectors.flatMap((c) =>
        isNumber(c.startedAt) && /import/i.test(c.runProfile) ? [c.startedAt] : [],
    );
    return starts.length === 0 ? undefined : Math.min(...starts);
}

function reportFromResult(result: RunbookResult, importStartedAt: number | undefined): CycleReport {
    const connectors = result.connectors.map(toConnectorReport);
    const counted = connectors.reduce((sum, c) => sum + (isExportRun(c) ? (c.errors ?? 0) : 0), 0);
    return {
        outcome: result.outcome,
        ...(hasText(result.reason) ? { reason: bounded(result.reason) } : {}),
        exportErrors: result.exportErrors ?? counted,
        ...(isNumber(result.cycleStartedAt) ? { cycleStartedAt: result.cycleStartedAt } : {}),
        ...(isNumber(result.cycleEndedAt) ? { cycleEndedAt: result.cycleEndedAt } : {}),
        ...(importStartedAt === undefined ? {} : { importStartedAt }),
        ...(connectors.length > 0 ? { connectors } : {}),
    };
}

function toConnectorReport(c: z.infer<typeof connectorSchema>): ConnectorReport {
    return {
        connector: c.connector,
        runProfile: c.runProfile,
        result: c.result,
        ...(isNumber(c.adds) ? { adds: c.adds } : {}),
        ...(isNumber(c.updates) ? { updates: c.updates } : {}),
        ...(isNumber(c.deletes) ? { deletes: c.deletes } : {}),
        ...(isNumber(c.errors) ? { errors: c.errors } : {}),
    };
}

function isExportRun(c: ConnectorReport): boolean {
    return /export/i.test(c.runProfile) || /export/i.test(c.result);
}

function lastResultLine(output: string): string | null {
    const lines = output.split(/\r?\n/);
    for (let i = lines.length - 1; i >= 0; i--) {
        const line = (lines[i] ?? '').trim();
        if (line.startsWith('{') && line.includes('"schema"')) return line;
    }
    return null;
}

function schemaVersionOf(json: unknown): string | null {
    if (typeof json !== 'object' || json === null || !('schema' in json)) return null;
    const schema = json.schema;
    if (typeof schema !== 'string') return null;
    return schema === '' ? null : schema;
}

function bounded(text: string): string {
    return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}

const hasText = (value: string | null | undefined): value is string => typeof value === 'string' && value !== '';
const isNumber = (value: number | null | undefined): value is number => typeof value === 'number';
