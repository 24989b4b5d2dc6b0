import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CYCLE_RESULT_SCHEMA, parseRunbookOutput } from '../../src/domain/runbookResult';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/runbook', `${name}.txt`), 'utf8');

function run(connector: string, runProfile: string, startedAt: string | null): Record<string, unknown> {
    return { connector, runProfile, result: 'success', startedAt, endedAt: null };
}

function line(fields: Record<string, unknown>): string {
    return JSON.stringify({ schema: CYCLE_RESULT_SCHEMA, outcome: 'Succeeded', exportErrors: 0, ...fields });
}

function parsed(output: string) {
    const result = parseRunbookOutput(output);
    if (!result.ok) throw new Error(`expected a valid result, got: ${result.reason}`);
    return result;
}

/** The evidence of coverage: when the cycle's import started (issue 14, the shared `importStartedAt` contract). */
describe('runbook result line: importStartedAt', () => {
    it('takes the runbook’s own importStartedAt, as a Date and as epoch ms on the report', () => {
        const result = parsed(
            line({
                importStartedAt: '2026-01-05T08:01:02.1234567Z',
                // The field wins over the runs: the runbook chose the import step with the whole run history at hand.
                connectors: [run('corp.contoso.com', 'Delta Import', '2026-01-05T08:00:59.0000000Z')],
            }),
        );
        expect(result.importStartedAt).toEqual(new Date(Date.UTC(2026, 0, 5, 8, 1, 2, 123)));
        expect(result.report.importStartedAt).toBe(Date.UTC(2026, 0, 5, 8, 1, 2, 123));
    });

    it('derives it from the connectors’ import runs when a runbook from before the field leaves it out', () => {
        // The fixture is a line written before importStartedAt existed: Delta Import started at 08:01:02.1234567.
        const result = parsed(fixture('succeeded'));
        expect(result.result).not.toHaveProperty('importStartedAt');
        expect(result.importStartedAt?.getTime()).toBe(Date.UTC(2026, 0, 5, 8, 1, 2, 123));
        expect(result.report.importStartedAt).toBe(Date.UTC(2026, 0, 5, 8, 1, 2, 123));
    });

    it('derives the earliest import of any connector, and never a synchronization or export run', () => {
        const result = parsed(
            line({
                importStartedAt: null,
                connectors: [
                    run('contoso.onmicrosoft.com - AAD', 'Export', '2026-01-05T08:00:00Z'),
                    run('corp.contoso.com', 'Delta Synchronization', '2026-01-05T08:00:01Z'),
                    run('corp.contoso.com', 'Full Import', '2026-01-05T08:00:20Z'),
                    run('contoso.onmicrosoft.com - AAD', 'Delta Import', '2026-01-05T08:00:10Z'),
                    run('fabrikam.com', 'Delta Import', null),
                ],
            }),
        );
        expect(result.importStartedAt?.getTime()).toBe(Date.UTC(2026, 0, 5, 8, 0, 10));
    });

    it('accepts the \\/Date(ms)\\/ form of Windows PowerShell 5.1', () => {
        const at = Date.UTC(2026, 0, 5, 8, 1, 2);
        const result = parsed(line({ importStartedAt: `/Date(${at})/` }));
        expect(result.importStartedAt?.getTime()).toBe(at);
    });

    it('is undefined, and absent from the report, when no import ran (skipped, busy, failed before starting)', () => {
        for (const name of ['skipped-staging', 'busy-timeout']) {
            const result = parsed(fixture(name));
            expect(result.importStartedAt).toBeUndefined();
            expect(result.report).not.toHaveProperty('importStartedAt');
        }
        const noImport = parsed(line({ connectors: [run('corp.contoso.com', 'Export', '2026-01-05T08:00:00Z')] }));
        expect(noImport.importStartedAt).toBeUndefined();
    });

    it('refuses a line whose importStartedAt is not a time, and says where', () => {
        const result = parseRunbookOutput(line({ importStartedAt: 'soon' }));
        expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/at importStartedAt/) as unknown });
    });
});
