import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { loadConfig } from '../../src/config/loadConfig';
import { CYCLE_RESULT_SCHEMA, RUNBOOK_OUTCOMES } from '../../src/domain/runbookResult';
import { traceIdFor } from '../../src/ports/correlation';
import { itWithTool } from '../support/requiredTool';
import { PWSH, REPO_ROOT } from './powershellTool';

// Static checks of the runbook: first those that need no PowerShell (the contract with the app), then
// scripts/check-powershell.ps1 under the pinned pwsh (Windows PowerShell 5.1 compatibility and PSScriptAnalyzer-style
// rules), each rule shown to fire on a bad snippet. The behaviour is covered by the Pester tests (runbook.pester.test.ts).
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
        const reported = new Set(
            [...code.matchAll(/Set-Outcome -Result \$(?:r|R)esult -Outcome '(\w+)'/g)].map((m) => m[1]),
        );
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
        expect(code).toMatch(/\[ValidateRange\(60, \d+\)\]\s*\[int\] \$TimeoutSeconds/);
        const pattern = /\[ValidatePattern\('([^']+)'\)\]\s*\[string\] \$CorrelationId/.exec(code)?.[1];
        expect(pattern).toBeDefined();
        // Anchored with \A and \z (see the runbook); JavaScript has neither, and its $ without the m flag is the end
        // of input, so ^ and $ mean the same here. The newline case itself is proven in pwsh by the Pester suite.
        expect(pattern).toMatch(/^\\A.*\\z$/);
        const accepts = new RegExp((pattern ?? '$^').replace(/^\\A/, '^').replace(/\\z$/, '$'));
        // Whatever the engine sends is accepted; free text is not.
        for (const id of ['req-42', 'Joiner: Jane Doe', '4BF92F3577B34DA6A3CE929D0E0E4736']) {
            expect(accepts.test(traceIdFor(id))).toBe(true);
        }
        expect(accepts.test('4bf92f35-77b3-4da6-a3ce-929d0e0e4736')).toBe(true);
        expect(accepts.test('x; Remove-Item C:\\')).toBe(false);
    });

    it('validates NotBefore by an anchored, case-sensitive pattern that takes what the engine sends (toISOString)', () => {
        const attribute =
            /\[ValidatePattern\('([^']+)', Options = 'None'\)\]\s*\[ValidateScript\(\{[\s\S]*?\}\)\]\s*\[string\] \$NotBefore = ''/.exec(
                code,
            );
        const pattern = attribute?.[1];
        expect(pattern).toMatch(/^\\A.*\\z$/);
        const accepts = new RegExp((pattern ?? '$^').replace(/^\\A/, '^').replace(/\\z$/, '$'));
        expect(accepts.test(new Date(Date.UTC(2026, 11, 1, 6, 0, 0, 123)).toISOString())).toBe(true);
        expect(accepts.test('2026-12-01T06:00:00Z')).toBe(true);
        expect(accepts.test('')).toBe(true);
        for (const text of ['2026-12-01T06:00:00+01:00', '2026-12-01T06:00:00', '2026-12-01t06:00:00z', 'tomorrow']) {
            expect(accepts.test(text)).toBe(false);
        }
    });

    it('accepts every TimeoutSeconds the engine can send: its maximum is the largest SYNC_RUN_TIMEOUT_SECONDS', () => {
        // The engine sends 90% of the run timeout (src/app/coordinator.ts), so a runbook maximum at least as large as
        // the largest run timeout the settings accept covers it; a smaller one fails the job before it writes a line.
        const max = Number(/\[ValidateRange\(60, (\d+)\)\]\s*\[int\] \$TimeoutSeconds/.exec(code)?.[1]);
        const settings = (runTimeout: number) => ({
            SYNC_TARGETS: JSON.stringify([
                {
                    id: 'contoso',
                    subscriptionId: '00000000-0000-0000-0000-000000000001',
                    resourceGroup: 'rg-sync',
                    automationAccount: 'aa-sync-01',
                    runbook: 'Start-EntraSyncCycle',
                    hybridWorkerGroup: 'entra-connect',
                },
            ]),
            SYNC_RUN_TIMEOUT_SECONDS: String(runTimeout),
        });
        expect(() => loadConfig(settings(max))).not.toThrow();
        expect(() => loadConfig(settings(max + 1))).toThrow(/SYNC_RUN_TIMEOUT_SECONDS/);
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

type CheckProfile = 'Runbook' | 'Script' | 'Module' | 'Compat';

/** One snippet and the rules check-powershell.ps1 must report on it: exactly these, no others. */
interface Case {
    readonly name: string;
    readonly profile: CheckProfile;
    /** The file: a body placed in the profile's clean frame, or the whole file as text or bytes. */
    readonly body?: string;
    readonly file?: string | Buffer;
    readonly rules: readonly string[];
}

// A clean frame per profile, so that a snippet shows its own rule and nothing else. Runbook bodies go inside a
// function, because at the top level any command is a possible second Output record.
function frame(profile: CheckProfile, body: string): string {
    switch (profile) {
        case 'Runbook':
            return `#Requires -Version 5.1\n$ErrorActionPreference = 'Stop'\nfunction Invoke-Body {\n${body}\n}\n$value = Invoke-Body\nWrite-Output ($value | ConvertTo-Json -Compress)\n`;
        case 'Script':
            return `$ErrorActionPreference = 'Stop'\n${body}\n`;
        // A module's function file: one function, named as the file (the test writes every Module case as Get-Body.ps1).
        case 'Module':
            return `function Get-Body {\n${body}\n}\n`;
        case 'Compat':
            return `${body}\n`;
    }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const bad = (name: string, profile: CheckProfile, body: string, rule: string): Case => ({
    name,
    profile,
    body,
    rules: [rule],
});
const good = (name: string, profile: CheckProfile, body: string): Case => ({ name, profile, body, rules: [] });

const cases: readonly Case[] = [
    bad('an unclosed block', 'Script', 'function Get-Thing {\n    $x = 1\n', 'Parse.Error'),
    bad('a ternary', 'Compat', '$a = $true ? 1 : 2', 'PS7.TernaryOperator'),
    bad('??', 'Compat', '$a = $b ?? 1', 'PS7.NullCoalescing'),
    bad('??=', 'Compat', '$a ??= 1', 'PS7.NullCoalescing'),
    bad('?.', 'Compat', '$n = ${a}?.Length', 'PS7.NullConditional'),
    bad('?[]', 'Compat', '$n = ${a}?[0]', 'PS7.NullConditional'),
    bad('&&', 'Compat', 'Get-Item . && Get-Item ..', 'PS7.PipelineChain'),
    bad('||', 'Compat', 'Get-Item . || Get-Item ..', 'PS7.PipelineChain'),
    bad('a clean block', 'Compat', 'function Get-Thing {\n    process { 1 }\n    clean { 2 }\n}', 'PS7.CleanBlock'),
    bad('a background job with &', 'Compat', 'Get-Process &', 'PS7.BackgroundOperator'),
    bad('`u{}', 'Compat', '$s = "tick `u{2713}"', 'PS7.UnicodeEscape'),
    bad('Get-Error', 'Compat', 'Get-Error', 'PS7.Command'),
    bad('Test-Json', 'Compat', "'{}' | Test-Json", 'PS7.Command'),
    bad('Remove-Alias', 'Compat', 'Remove-Alias -Name x', 'PS7.Command'),
    bad('ForEach-Object -Parallel', 'Compat', '1..3 | ForEach-Object -Parallel { $_ }', 'PS7.Parameter'),
    bad('ConvertFrom-Json -AsHashtable', 'Compat', "'{}' | ConvertFrom-Json -AsHashtable", 'PS7.Parameter'),
    bad('ConvertFrom-Json -Depth', 'Compat', "'{}' | ConvertFrom-Json -Depth 5", 'PS7.Parameter'),
    bad('ConvertFrom-Json -AsHash (abbreviated)', 'Compat', "'{}' | ConvertFrom-Json -AsHash", 'PS7.Parameter'),
    bad('ConvertTo-Json -EscapeHandling', 'Compat', '@{} | ConvertTo-Json -EscapeHandling EscapeHtml', 'PS7.Parameter'),
    bad('Get-Content -AsByteStream', 'Compat', 'Get-Content -Path a.bin -AsByteStream', 'PS7.Parameter'),
    bad(
        'Join-Path -AdditionalChildPath',
        'Compat',
        'Join-Path -Path a -ChildPath b -AdditionalChildPath c',
        'PS7.Parameter',
    ),
    bad('Join-Path with 3 positional paths', 'Compat', 'Join-Path a b c', 'PS7.JoinPathPositional'),
    bad(
        'Out-File -Encoding utf8NoBOM',
        'Compat',
        "'x' | Out-File -FilePath a.txt -Encoding utf8NoBOM",
        'PS7.EncodingName',
    ),
    bad('$IsWindows', 'Compat', 'if ($IsWindows) { 1 }', 'PS7.AutomaticVariable'),
    bad('$IsLinux', 'Compat', '$onLinux = $IsLinux', 'PS7.AutomaticVariable'),
    {
        name: 'non-ASCII without a BOM',
        profile: 'Script',
        file: Buffer.from(frame('Script', "# Caf\u00e9\n$x = 'r\u00e9sum\u00e9'"), 'utf8'),
        rules: ['Encoding.NonAsciiWithoutBom'],
    },
    {
        name: 'non-ASCII in a runbook, even with a BOM',
        profile: 'Runbook',
        file: Buffer.concat([BOM, Buffer.from(frame('Runbook', "    'caf\u00e9'"), 'utf8')]),
        rules: ['Runbook.NonAscii'],
    },
    bad('%', 'Script', 'Get-ChildItem | % { $_.Name }', 'Style.Alias'),
    bad('?', 'Script', 'Get-ChildItem | ? { $_.Length -gt 0 }', 'Style.Alias'),
    bad('select', 'Script', 'Get-ChildItem | select Name', 'Style.Alias'),
    bad('where', 'Script', 'Get-ChildItem | where { $_.Length -gt 0 }', 'Style.Alias'),
    bad('foreach as a command', 'Script', 'Get-ChildItem | foreach { $_.Name }', 'Style.Alias'),
    bad('ls (an alias on Windows only)', 'Script', 'ls', 'Style.Alias'),
    bad('Invoke-Expression', 'Script', "Invoke-Expression -Command 'Get-Date'", 'Style.InvokeExpression'),
    bad('[scriptblock]::Create', 'Script', "$block = [scriptblock]::Create('Get-Date')", 'Style.InvokeExpression'),
    bad('3 positional arguments', 'Script', "Set-Thing $x 'a' 'b'", 'Style.PositionalArguments'),
    bad('an unapproved verb', 'Script', 'function Do-Thing { 1 }', 'Style.ApprovedVerb'),
    bad('$null on the right of -eq', 'Script', 'if ($x -eq $null) { 1 }', 'Style.NullOnRight'),
    bad('$null on the right of -ne', 'Script', 'if ($x -ne $null) { 1 }', 'Style.NullOnRight'),
    bad('an empty catch', 'Script', 'try { Get-Item -Path . } catch { }', 'Style.EmptyCatch'),
    bad(
        'a plain-text password',
        'Script',
        'function Set-Secret {\n    param([string] $Password)\n}',
        'Style.PlainTextPassword',
    ),
    bad(
        'an untyped passphrase',
        'Script',
        'function Set-Secret {\n    param($Passphrase)\n}',
        'Style.PlainTextPassword',
    ),
    {
        name: 'no ErrorActionPreference',
        profile: 'Script',
        file: 'Get-Item -Path .\n',
        rules: ['Style.ErrorActionPreference'],
    },
    bad(
        'a silenced Import-Module',
        'Script',
        'Import-Module -Name ADSync -ErrorAction SilentlyContinue',
        'Style.SilencedMustStop',
    ),
    bad(
        'a silenced ADSync call',
        'Script',
        'Start-ADSyncSyncCycle -PolicyType Delta -ea Ignore',
        'Style.SilencedMustStop',
    ),
    bad('an unchecked az', 'Script', 'az account show --output none\nWrite-Host done', 'Style.NativeExitCode'),
    bad(
        'an unchecked az in an assignment',
        'Script',
        '$id = (az account show --query id -o tsv).Trim()',
        'Style.NativeExitCode',
    ),
    {
        name: 'a statement outside the function in a module file',
        profile: 'Module',
        file: 'function Get-Body { 1 }\n$loaded = $true\n',
        rules: ['Module.OneFunctionPerFile'],
    },
    {
        name: 'two functions in a module file',
        profile: 'Module',
        file: 'function Get-Body { 1 }\nfunction Get-Other { 2 }\n',
        rules: ['Module.OneFunctionPerFile'],
    },
    {
        name: 'a module function not named as its file',
        profile: 'Module',
        file: 'function Get-Other { 1 }\n',
        rules: ['Module.OneFunctionPerFile'],
    },
    bad('an alias in a module function', 'Module', '    Get-ChildItem | % { $_.Name }', 'Style.Alias'),
    bad('Write-Host in a runbook', 'Runbook', "    Write-Host 'hello'", 'Runbook.HostOutput'),
    bad('[Console]::WriteLine in a runbook', 'Runbook', "    [Console]::WriteLine('hello')", 'Runbook.HostOutput'),
    {
        name: 'a bare expression before the result line',
        profile: 'Runbook',
        file: "#Requires -Version 5.1\n$ErrorActionPreference = 'Stop'\nGet-Date\nWrite-Output 'result'\n",
        rules: ['Runbook.OneOutputRecord'],
    },
    {
        name: 'a second Write-Output',
        profile: 'Runbook',
        file: "#Requires -Version 5.1\n$ErrorActionPreference = 'Stop'\nfunction Get-Thing { Write-Output 1 }\n$x = Get-Thing\nWrite-Output 'result'\n",
        rules: ['Runbook.OneOutputRecord'],
    },
    {
        name: 'a last statement that is not Write-Output',
        profile: 'Runbook',
        file: "#Requires -Version 5.1\n$ErrorActionPreference = 'Stop'\n$x = 1\n",
        rules: ['Runbook.OneOutputRecord'],
    },
    {
        name: 'no #Requires',
        profile: 'Runbook',
        file: "$ErrorActionPreference = 'Stop'\nWrite-Output 'result'\n",
        rules: ['Runbook.RequiresVersion'],
    },
    {
        name: '#Requires -Version 7.4',
        profile: 'Runbook',
        file: "#Requires -Version 7.4\n$ErrorActionPreference = 'Stop'\nWrite-Output 'result'\n",
        rules: ['Runbook.RequiresVersion'],
    },

    // What the rules must leave alone: each is the nearest correct form of a bad snippet above.
    good('$null on the left', 'Script', 'if ($null -eq $x) { 1 }'),
    good('Import-Module that stops', 'Script', 'Import-Module -Name ADSync -ErrorAction Stop'),
    good('a checked npm', 'Script', 'npm ci\nif ($LASTEXITCODE -ne 0) { throw "npm ci failed" }'),
    good('Join-Path with two paths', 'Compat', 'Join-Path a b'),
    good('Out-File -Encoding UTF8', 'Compat', "'x' | Out-File -FilePath a.txt -Encoding UTF8"),
    good('ForEach-Object -Process', 'Compat', '1..3 | ForEach-Object -Process { $_ }'),
    good('ConvertTo-Json -Depth (5.1 has it)', 'Compat', '@{} | ConvertTo-Json -Depth 5 -Compress'),
    good('a SecureString password', 'Script', 'function Set-Secret {\n    param([securestring] $Password)\n}'),
    good('a catch that rethrows', 'Script', 'try { Get-Item -Path . } catch { throw }'),
    good('? and :: inside strings', 'Compat', "$s = 'a ? b : c && d ?? e'"),
    good('aliases and 7-only syntax are not style rules in Compat', 'Compat', 'Get-ChildItem | % { $_ }'),
    good('Write-Host in a hook', 'Script', "Write-Host 'publishing'"),
    good('a module function file needs no ErrorActionPreference of its own', 'Module', "    Get-Item -Path '.'"),
    good('a runbook frame', 'Runbook', "    'value'"),
    {
        name: 'non-ASCII with a BOM in a hook',
        profile: 'Script',
        file: Buffer.concat([BOM, Buffer.from(frame('Script', '# Caf\u00e9'), 'utf8')]),
        rules: [],
    },
];

const checkOutput = z.object({
    files: z.array(
        z.object({
            path: z.string(),
            profile: z.string(),
            findings: z.array(
                z.object({ rule: z.string(), line: z.number(), column: z.number(), message: z.string() }),
            ),
        }),
    ),
});

const checkScript = join(REPO_ROOT, 'scripts/check-powershell.ps1');
const psQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function runChecks(pwsh: string, files: Readonly<Record<CheckProfile, readonly string[]>>) {
    const list = (paths: readonly string[]) => `@(${paths.map(psQuote).join(', ')})`;
    const command = `& ${psQuote(checkScript)} -Runbook ${list(files.Runbook)} -Script ${list(files.Script)} -Module ${list(files.Module)} -Compat ${list(files.Compat)} -Format Json; exit $LASTEXITCODE`;
    return spawnSync(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', command], { encoding: 'utf8' });
}

describe('scripts/check-powershell.ps1 (static checks under pwsh)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'check-powershell-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    itWithTool(PWSH, 'the runbook, the azd hooks, the PowerShell modules and the Pester tests pass every check', () => {
        const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/check-powershell.sh')], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
        });
        expect(run.stdout + run.stderr).toMatch(/check-powershell: [4-9]\d* file\(s\) checked, 0 finding\(s\)/);
        expect(run.status).toBe(0);
    });

    itWithTool(
        PWSH,
        'every rule fires on its bad snippet and on nothing else; the near-misses are clean',
        () => {
            const files: Record<CheckProfile, string[]> = { Runbook: [], Script: [], Module: [], Compat: [] };
            const byPath = new Map<string, Case>();
            cases.forEach((c, index) => {
                const name = `case-${String(index).padStart(3, '0')}`;
                // A module function file is checked against its own name: each gets a folder of its own.
                if (c.profile === 'Module') mkdirSync(join(scratch, name));
                const path =
                    c.profile === 'Module' ? join(scratch, name, 'Get-Body.ps1') : join(scratch, `${name}.ps1`);
                writeFileSync(path, c.file ?? frame(c.profile, c.body ?? ''));
                files[c.profile].push(path);
                byPath.set(path, c);
            });
            const run = runChecks(PWSH.path ?? 'pwsh', files);
            // Something was found (the bad snippets), so the script must say so with its exit code.
            expect(run.status, run.stderr).toBe(1);
            const report = checkOutput.parse(JSON.parse(run.stdout));
            expect(report.files).toHaveLength(cases.length);
            for (const file of report.files) {
                const c = byPath.get(file.path);
                expect(c, file.path).toBeDefined();
                const found = [...new Set(file.findings.map((f) => f.rule))].sort();
                expect(found, `${c?.name ?? file.path}: ${JSON.stringify(file.findings)}`).toEqual(
                    [...(c?.rules ?? [])].sort(),
                );
            }
        },
        120_000,
    );

    it('every rule the script documents has a bad snippet above', () => {
        const help = readFileSync(checkScript, 'utf8');
        const documented = [...help.matchAll(/^ {6}((?:Parse|PS7|Encoding|Style|Runbook|Module)\.\w+)\s/gm)].map(
            (m) => m[1],
        );
        expect(documented.length).toBeGreaterThanOrEqual(25);
        const tested = new Set(cases.flatMap((c) => c.rules));
        expect(documented.filter((rule) => rule !== undefined && !tested.has(rule))).toEqual([]);
        expect([...tested].filter((rule) => !documented.includes(rule))).toEqual([]);
    });

    // With no pwsh: the check fails in CI and skips loudly elsewhere (it runs on every machine: the tools dir is empty).
    const missingTools = { POWERSHELL_TOOLS_DIR: join(scratch, 'no-tools-here'), PATH: '/usr/bin:/bin' };
    it('scripts/check-powershell.sh without pwsh: CI=true fails with the reason, elsewhere SKIPPED and exit 0', () => {
        const script = join(REPO_ROOT, 'scripts/check-powershell.sh');
        const inCi = spawnSync('bash', [script], {
            encoding: 'utf8',
            env: { ...process.env, ...missingTools, CI: 'true' },
        });
        expect(inCi.status).not.toBe(0);
        expect(inCi.stderr).toMatch(/^ERROR: PowerShell static checks cannot run: pwsh 7\.6\.9 is not installed/m);
        const local: NodeJS.ProcessEnv = { ...process.env, ...missingTools };
        delete local.CI;
        const outside = spawnSync('bash', [script], { encoding: 'utf8', env: local });
        expect(outside.status).toBe(0);
        expect(outside.stdout).toMatch(
            /^SKIPPED: PowerShell static checks \(.*install with: bash scripts\/install-powershell\.sh\)$/m,
        );
    });
});
