import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CYCLE_RESULT_SCHEMA, RUNBOOK_OUTCOMES } from '../../src/domain/runbookResult';
import { traceIdFor } from '../../src/ports/correlation';

// Static checks of the runbook that need no PowerShell; the behaviour is covered by the Pester tests
// (infra/runbooks/tests, run by scripts/run-pester.sh where pwsh and Pester are installed).
const runbookPath = join(__dirname, '../../infra/runbooks/Start-EntraSyncCycle.ps1');
const runbook = readFileSync(runbookPath, 'utf8');
const code = runbook
    .replace(/<#[\s\S]*?#>/g, '')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#(?!Requires).*$/, ''))
    .join('\n');

describe('Start-EntraSyncCycle.ps1 (static)', () => {
    it('writes the schema id the parser expects', () => {
        expect(runbook).toContain(`$ResultSchema = '${CYCLE_RESULT_SCHEMA}'`);
    });

    it('can report every runbook outcome the parser accepts, and no other', () => {
        const reported = new Set([...code.matchAll(/Set-Outcome \$(?:r|R)esult '(\w+)'/g)].map((m) => m[1]));
        expect([...reported].sort()).toEqual([...RUNBOOK_OUTCOMES].sort());
    });

    it('writes exactly one Output record: the compact JSON result line, last', () => {
        const outputs = code.match(/Write-Output/g) ?? [];
        expect(outputs).toHaveLength(1);
        const lastLine = code.trimEnd().split('\n').at(-1) ?? '';
        expect(lastLine).toMatch(/^Write-Output \(.*ConvertTo-Json -Compress -Depth 6\)$/);
        expect(code).not.toMatch(/Write-Host|Out-Host|\[Console\]::Write/i);
    });

    it('validates its parameters: PolicyType by set, bounded timeout, correlation id by pattern', () => {
        expect(code).toMatch(/\[ValidateSet\('Delta', 'Initial'\)\]\s*\[string\] \$PolicyType/);
        expect(code).toMatch(/\[ValidateRange\(60, 86400\)\]\s*\[int\] \$TimeoutSeconds/);
        const pattern = /\[ValidatePattern\('([^']+)'\)\]\s*\[string\] \$CorrelationId/.exec(code)?.[1];
        expect(pattern).toBeDefined();
        const accepts = new RegExp(pattern ?? '$^');
        // Whatever the engine sends is accepted; free text is not.
        for (const id of ['req-42', 'Joiner: Jane Doe', '4BF92F3577B34DA6A3CE929D0E0E4736']) {
            expect(accepts.test(traceIdFor(id))).toBe(true);
        }
        expect(accepts.test('4bf92f35-77b3-4da6-a3ce-929d0e0e4736')).toBe(true);
        expect(accepts.test('x; Remove-Item C:\\')).toBe(false);
    });

    it('calls the ADSync cmdlets by name (mockable) and imports the module by full path', () => {
        for (const cmdlet of [
            'Get-ADSyncScheduler',
            'Start-ADSyncSyncCycle -PolicyType $PolicyType',
            'Get-ADSyncConnectorRunStatus',
            'Get-ADSyncRunProfileResult',
        ]) {
            expect(code).toContain(cmdlet);
        }
        expect(code).toContain("'Microsoft Azure AD Sync\\Bin\\ADSync'");
        expect(code).not.toMatch(/Invoke-Expression|iex\s/i);
    });

    it('uses no PowerShell 7-only syntax (it runs on Windows PowerShell 5.1)', () => {
        expect(code).toContain('#Requires -Version 5.1');
        expect(code).not.toMatch(/\s\?\?=?\s|\s\?\s[^:]+\s:\s|\s&&\s|\s\|\|\s|\?\.|ForEach-Object -Parallel/);
        expect(code).not.toMatch(/ConvertFrom-Json -AsHashtable|-Depth \d+ -AsArray/);
    });
});

describe('Pester tests exist for every outcome', () => {
    it('names each outcome in infra/runbooks/tests', () => {
        const dir = join(__dirname, '../../infra/runbooks/tests');
        const tests = readdirSync(dir)
            .filter((f) => f.endsWith('.Tests.ps1'))
            .map((f) => readFileSync(join(dir, f), 'utf8'))
            .join('\n');
        for (const outcome of RUNBOOK_OUTCOMES) expect(tests).toContain(`'${outcome}'`);
    });
});
