import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { parseRunbookOutput, RUNBOOK_OUTCOMES } from '../../src/domain/runbookResult';
import { findExecutable, itWithTool } from '../support/requiredTool';
import { PESTER_VERSION, PWSH_VERSION, PWSH_WITH_PESTER, REPO_ROOT } from './powershellTool';

const runPester = join(REPO_ROOT, 'scripts/run-pester.sh');
const scratch = mkdtempSync(join(tmpdir(), 'runbook-pester-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The last stdout line of scripts/run-pester.sh, built from Pester's own result object.
const pesterResult = z.object({
    pesterVersion: z.string(),
    pwshVersion: z.string(),
    result: z.string(),
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    inconclusive: z.number().int(),
    notRun: z.number().int(),
    failedContainers: z.number().int(),
});

// The suite had 19 tests when it first ran, 35 once the runbook's parameter, import and scheduler-state cases were
// added, 43 with NotBefore, 48 with the end of our own cycle before the next one; fewer means tests were lost (a file
// that no longer loads is caught by failedContainers too).
const MIN_TESTS = 48;

describe('runbook Pester tests (scripts/run-pester.sh)', () => {
    itWithTool(
        PWSH_WITH_PESTER,
        `all pass under pwsh ${PWSH_VERSION} and Pester ${PESTER_VERSION}, none skipped, and every result line parses`,
        () => {
            const junit = join(scratch, 'pester-junit.xml');
            const lines = join(scratch, 'result-lines.jsonl');
            const run = spawnSync('bash', [runPester], {
                cwd: REPO_ROOT,
                encoding: 'utf8',
                env: { ...process.env, PESTER_JUNIT_FILE: junit, RUNBOOK_RESULT_LINES_FILE: lines },
            });
            const output = `${run.stdout}\n${run.stderr}`;
            expect(run.status, output).toBe(0);

            const summaryLine = /^PESTER-RESULT (.+)$/m.exec(run.stdout)?.[1];
            expect(summaryLine, output).toBeDefined();
            const summary = pesterResult.parse(JSON.parse(summaryLine ?? 'null'));
            expect(summary).toMatchObject({
                pesterVersion: PESTER_VERSION,
                pwshVersion: PWSH_VERSION,
                result: 'Passed',
                failed: 0,
                skipped: 0,
                inconclusive: 0,
                notRun: 0,
                failedContainers: 0,
            });
            expect(summary.passed).toBe(summary.total);
            expect(summary.total).toBeGreaterThanOrEqual(MIN_TESTS);

            // Pester's own report, written by another code path, must tell the same story.
            const xml = readFileSync(junit, 'utf8');
            const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
            const attribute = (name: string) => Number(new RegExp(`\\s${name}="(\\d+)"`).exec(root)?.[1]);
            expect(attribute('tests')).toBe(summary.total);
            expect(attribute('failures')).toBe(0);
            expect(attribute('errors')).toBe(0);
            expect(attribute('disabled')).toBe(0);
            expect(xml.match(/<testcase\b/g)).toHaveLength(summary.total);
            expect(xml).not.toMatch(/<skipped\b/);

            // Every line the runbook wrote in the suite is one the app accepts, and the suite covers every outcome.
            const resultLines = readFileSync(lines, 'utf8').trimEnd().split('\n');
            expect(resultLines.length).toBeGreaterThan(20);
            const outcomes = new Set<string>();
            for (const line of resultLines) {
                const parsed = parseRunbookOutput(line);
                expect(parsed.ok, `${line}\n${parsed.ok ? '' : parsed.reason}`).toBe(true);
                if (parsed.ok) outcomes.add(parsed.result.outcome);
            }
            expect([...outcomes].sort()).toEqual([...RUNBOOK_OUTCOMES].sort());
        },
        600_000,
    );

    // These two run everywhere: the tools directory is pointed at one that does not exist, and pwsh is off PATH.
    const missingTools = { POWERSHELL_TOOLS_DIR: join(scratch, 'no-tools-here'), PATH: '/usr/bin:/bin' };

    it('under CI=true, with no pwsh, fails with the reason and the install command', () => {
        const run = spawnSync('bash', [runPester], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
            env: { ...process.env, ...missingTools, CI: 'true' },
        });
        expect(run.status).not.toBe(0);
        expect(run.stdout).not.toMatch(/SKIPPED/);
        expect(run.stderr).toMatch(
            /^ERROR: Pester tests of infra\/runbooks cannot run: pwsh 7\.6\.9 is not installed/m,
        );
        expect(run.stderr).toContain('install with: bash scripts/install-powershell.sh');
    });

    it('on a machine without CI, with no pwsh, says SKIPPED loudly with the install command and exits 0', () => {
        const env: NodeJS.ProcessEnv = { ...process.env, ...missingTools };
        delete env.CI;
        const run = spawnSync('bash', [runPester], { cwd: REPO_ROOT, encoding: 'utf8', env });
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(
            /^SKIPPED: Pester tests of infra\/runbooks \(pwsh 7\.6\.9 is not installed at .*no-tools-here\/pwsh\/pwsh; install with: bash scripts\/install-powershell\.sh\)$/m,
        );
    });

    it('install-powershell.sh without dotnet: CI=true exits 1 with the reason; elsewhere a loud NOT INSTALLED and exit 0', () => {
        // A PATH holding only what the script needs besides dotnet (on this machine dotnet lives in /usr/bin).
        const bin = join(scratch, 'bin-without-dotnet');
        mkdirSync(bin);
        for (const tool of ['bash', 'mkdir', 'dirname', 'cat', 'grep', 'rm', 'cut', 'head', 'tail', 'mktemp']) {
            const path = findExecutable(tool);
            if (path !== null) symlinkSync(path, join(bin, tool));
        }
        const install = join(REPO_ROOT, 'scripts/install-powershell.sh');
        const env = { PATH: bin, HOME: scratch, POWERSHELL_TOOLS_DIR: join(scratch, 'tools-without-dotnet') };
        const inCi = spawnSync('bash', [install], { encoding: 'utf8', env: { ...env, CI: 'true' } });
        expect(inCi.status, inCi.stderr).toBe(1);
        expect(inCi.stderr).toContain('ERROR: dotnet is not installed');
        const local = spawnSync('bash', [install], { encoding: 'utf8', env });
        expect(local.status, local.stderr).toBe(0);
        expect(local.stderr).toContain('# NOT INSTALLED: dotnet is not installed');
        expect(local.stderr).toContain('# Install with: bash scripts/install-powershell.sh');
        expect(readFileSync(join(env.POWERSHELL_TOOLS_DIR, 'powershell.UNAVAILABLE'), 'utf8')).toMatch(
            /^dotnet is not installed/,
        );
    });
});
