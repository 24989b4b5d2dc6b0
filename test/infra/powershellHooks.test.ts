import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect } from 'vitest';
import { z } from 'zod';

import { itWithTool } from '../support/requiredTool';
import { PWSH, REPO_ROOT } from './powershellTool';

// The azd hooks run on a Windows machine under PowerShell (azure.yaml: shell pwsh). Every hook in infra/hooks is
// parsed with the pinned pwsh's own parser; scripts/check-powershell.ps1 then holds them to the 5.1 and style rules.
const hooksDir = join(REPO_ROOT, 'infra/hooks');
const hooks = readdirSync(hooksDir).filter((name) => name.endsWith('.ps1'));

const scratch = mkdtempSync(join(tmpdir(), 'powershell-hooks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const parseErrors = z.record(z.string(), z.number().int());

/** Parse error counts per file, from one pwsh run. */
function countParseErrors(pwsh: string, files: readonly string[]): Record<string, number> {
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const script = `$counts = [ordered]@{}
foreach ($file in @(${list})) {
    $errors = $null
    [void] [System.Management.Automation.Language.Parser]::ParseFile($file, [ref] $null, [ref] $errors)
    $counts[$file] = @($errors).Count
}
$counts | ConvertTo-Json -Compress`;
    const run = spawnSync(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return parseErrors.parse(JSON.parse(run.stdout));
}

describe('azd hooks (infra/hooks/*.ps1)', () => {
    itWithTool(PWSH, `every hook parses as PowerShell (${hooks.join(', ')})`, () => {
        expect(hooks).toEqual(expect.arrayContaining(['postprovision.ps1', 'prepackage.ps1']));
        // A file that does not parse, to show the check reports one.
        const broken = join(scratch, 'broken.ps1');
        writeFileSync(broken, 'if ($true) {\n    Write-Host "never closed"\n');
        const files = hooks.map((hook) => join(hooksDir, hook));
        const counts = countParseErrors(PWSH.path ?? 'pwsh', [...files, broken]);
        expect(counts[broken]).toBeGreaterThan(0);
        for (const file of files) expect(counts[file], file).toBe(0);
    });
});
