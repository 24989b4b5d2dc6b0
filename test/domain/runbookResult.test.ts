import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { classifyOutcome } from '../../src/domain/cycleOutcome';
import { CYCLE_RESULT_SCHEMA, cycleReportFromOutput, parseRunbookOutput } from '../../src/domain/runbookResult';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/runbook', `${name}.txt`), 'utf8');

describe('runbook result line: one fixture per outcome', () => {
    it.each([
        ['succeeded', 'Succeeded', 'succeeded', 0],
        ['completed-export-errors', 'CompletedWithExportErrors', 'partiallySucceeded', 2],
        ['skipped-staging', 'SkippedStagingMode', 'skipped', 0],
        ['skipped-scheduler-suspended', 'SkippedSchedulerSuspended', 'skipped', 0],
        ['skipped-scheduler-disabled', 'SkippedSchedulerSuspended', 'skipped', 0],
        ['busy-timeout', 'BusyTimeout', 'failed', 0],
        ['failed', 'Failed', 'failed', 0],
        ['timed-out', 'TimedOut', 'failed', 0],
    ] as const)('%s → %s', (name, outcome, outcomeClass, exportErrors) => {
        const parsed = parseRunbookOutput(fixture(name));
        if (!parsed.ok) throw new Error(`expected a valid result, got: ${parsed.reason}`);
        expect(parsed.report.outcome).toBe(outcome);
        expect(classifyOutcome(parsed.report.outcome)).toBe(outcomeClass);
        expect(parsed.report.exportErrors).toBe(exportErrors);
        expect(parsed.report.reason).toBeTruthy();
        expect(parsed.result.correlationId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    });

    it('maps cycle times and per-connector counters', () => {
        const parsed = parseRunbookOutput(fixture('completed-export-errors'));
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(parsed.report.cycleStartedAt).toBe(Date.UTC(2026, 0, 5, 8, 1, 0));
        expect(parsed.report.cycleEndedAt).toBe(Date.UTC(2026, 0, 5, 8, 2, 0));
        expect(parsed.report.connectors).toHaveLength(3);
        expect(parsed.report.connectors?.[2]).toEqual({
            connector: 'contoso.onmicrosoft.com - AAD',
            runProfile: 'Export',
            result: 'completed-export-errors',
            adds: 1,
            updates: 2,
            deletes: 0,
            errors: 2,
        });
    });

    it('tells disabled from suspended in the reason', () => {
        expect(cycleReportFromOutput(fixture('skipped-scheduler-disabled')).reason).toMatch(/disabled/);
        expect(cycleReportFromOutput(fixture('skipped-scheduler-suspended')).reason).toMatch(/suspended/);
    });

    it('accepts a single connector object (Windows PowerShell collapses one-element arrays)', () => {
        const report = cycleReportFromOutput(fixture('timed-out'));
        expect(report.outcome).toBe('TimedOut');
        expect(report.connectors).toHaveLength(1);
        expect(report.cycleEndedAt).toBeUndefined();
    });

    it('accepts the legacy \\/Date(ms)\\/ timestamps of ConvertTo-Json in PowerShell 5.1', () => {
        const line = JSON.stringify({
            schema: CYCLE_RESULT_SCHEMA,
            outcome: 'Succeeded',
            cycleStartedAt: '/Date(1767600060000)/',
            cycleEndedAt: '/Date(1767600120000)/',
            exportErrors: 0,
            connectors: [],
        });
        const report = cycleReportFromOutput(line);
        expect(report.cycleStartedAt).toBe(1767600060000);
        expect(report.cycleEndedAt).toBe(1767600120000);
    });

    it('derives exportErrors from export runs when the line omits it', () => {
        const line = JSON.stringify({
            schema: CYCLE_RESULT_SCHEMA,
            outcome: 'CompletedWithExportErrors',
            connectors: [
                { connector: 'ad', runProfile: 'Delta Import', result: 'success', errors: 4 },
                { connector: 'aad', runProfile: 'Export', result: 'completed-export-errors', errors: 3 },
            ],
        });
        expect(cycleReportFromOutput(line).exportErrors).toBe(3);
    });

    it('takes the LAST result line when noise lines come before it', () => {
        const report = cycleReportFromOutput(fixture('noise-before-result'));
        expect(report.outcome).toBe('Succeeded');
        const twoResults = `${fixture('failed')}${fixture('succeeded')}`;
        expect(cycleReportFromOutput(twoResults).outcome).toBe('Succeeded');
    });

    it('handles CRLF line ends', () => {
        const crlf = `Some noise\r\n${fixture('succeeded').trimEnd()}\r\n`;
        expect(cycleReportFromOutput(crlf).outcome).toBe('Succeeded');
    });
});

describe('malformed output gives a clear Failed outcome, never a throw', () => {
    it.each([
        ['malformed-empty', /no result line/],
        ['malformed-no-result-line', /no result line/],
        ['malformed-truncated', /not valid JSON/],
        ['malformed-unknown-schema', /unsupported schema "entra-sync-trigger\/cycle-result@2"/],
        ['malformed-unknown-outcome', /invalid at outcome/],
    ])('%s', (name, reason) => {
        const parsed = parseRunbookOutput(fixture(name));
        expect(parsed.ok).toBe(false);
        const report = cycleReportFromOutput(fixture(name));
        expect(report.outcome).toBe('Failed');
        expect(report.exportErrors).toBe(0);
        expect(report.reason).toMatch(reason);
    });

    it.each([
        ['schema missing', '{"schema":null,"outcome":"Succeeded"}', /names no schema/],
        [
            'negative counter',
            `{"schema":"${CYCLE_RESULT_SCHEMA}","outcome":"Succeeded","exportErrors":-1}`,
            /exportErrors/,
        ],
        [
            'bad timestamp',
            `{"schema":"${CYCLE_RESULT_SCHEMA}","outcome":"Succeeded","cycleStartedAt":"yesterday"}`,
            /cycleStartedAt/,
        ],
        ['array instead of object', `{"schema"}`, /not valid JSON/],
    ])('%s', (_name, line, reason) => {
        const report = cycleReportFromOutput(line);
        expect(report.outcome).toBe('Failed');
        expect(report.reason).toMatch(reason);
    });

    it('bounds a long reason', () => {
        const line = JSON.stringify({ schema: CYCLE_RESULT_SCHEMA, outcome: 'Failed', reason: 'x'.repeat(5000) });
        expect(cycleReportFromOutput(line).reason?.length).toBeLessThanOrEqual(500);
    });
});

describe('runbook and parser agree on the schema id', () => {
    it('the runbook writes the schema id the parser expects', () => {
        const runbook = readFileSync(join(__dirname, '../../infra/runbooks/Start-EntraSyncCycle.ps1'), 'utf8');
        expect(runbook).toContain(`'${CYCLE_RESULT_SCHEMA}'`);
    });
});
