import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { PESTER_VERSION, PWSH_VERSION, PWSH_WITH_PESTER, REPO_ROOT } from '../infra/powershellTool';
import { FAST_LOCAL_TIMING } from '../support/localHostFixture';
import { type NpmStartProcess, startNpmStart } from '../support/npmStartProcess';
import { itWithTool } from '../support/requiredTool';
import { type FaultProxy, type ForwardedPost, startFaultProxy } from './faultProxy';

// The Pester suites of powershell/ (the EntraSyncTrigger client and the IdLE DirectorySync provider), run by
// scripts/run-pester.sh against real local hosts: npm start's entry point on loopback, one per behaviour of the
// simulated Connect server, and a fault proxy in front of the first.

/** ENTRA_CONFIRMATION=on with the clock ten times faster, so that the 30-second confirmation timer runs every 3 s. */
const CONFIRMING: Record<string, string> = {
    LOCAL_TIME_SCALE: '10',
    SYNC_QUIET_SECONDS: '1',
    SYNC_URGENT_MAX_WAIT_SECONDS: '2',
    SYNC_MIN_SPACING_SECONDS: '0',
    SYNC_POLL_INTERVAL_SECONDS: '1',
    SYNC_POLL_MAX_INTERVAL_SECONDS: '2',
    SIMULATED_CONNECT_WORKER_POLL_SECONDS: '1',
    SIMULATED_CONNECT_CYCLE_SECONDS: '5',
    SIMULATED_CONNECT_SCHEDULER_MINUTES: '0',
    STATUS_RETRY_AFTER_SECONDS: '1',
    ENTRA_CONFIRMATION: 'on',
};
const FAST = { ...FAST_LOCAL_TIMING, STATUS_RETRY_AFTER_SECONDS: '1' };
/**
 * npm start's own timing (a 30-second worker poll, 40-second cycles, 60 s between cycle starts) ten times faster,
 * for the concurrency case: its 8 workflows then start as close together, against cycles as long, as on a real
 * server; on the compressed timing of the others a second of PowerShell start-up would outlast a whole cycle.
 */
const NPM_START_TIMING = { LOCAL_TIME_SCALE: '10', ENTRA_CONFIRMATION: 'on' };
/** Every object reaches the Connect server's domain controller too late, and no extra run: NOT_VISIBLE_IN_ENTRA. */
const INVISIBLE = { ...CONFIRMING, SIMULATED_DIRECTORY_LAG_RATE: '1', ENTRA_CONFIRMATION_EXTRA_RUNS: '0' };
const HOSTS = {
    main: CONFIRMING,
    parallel: NPM_START_TIMING,
    invisible: INVISIBLE,
    staging: { ...FAST, SIMULATED_CONNECT_STAGING_MODE: 'true' },
    failing: { ...FAST, SIMULATED_CONNECT_FAILURE_RATE: '1' },
};
const HOST_NAMES = ['main', 'parallel', 'invisible', 'staging', 'failing'] as const;

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

// 65 tests when the suites were first complete (client 42, provider 23); fewer means tests were lost (a file that
// no longer loads is caught by failedContainers too).
const MIN_TESTS = 65;

/** Runs a program without blocking this process's event loop: the fault proxy answers from it. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('error', reject);
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

describe('PowerShell modules: Pester suites against npm start (scripts/run-pester.sh powershell/tests)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'powershell-modules-'));
    const hosts: Partial<Record<(typeof HOST_NAMES)[number], NpmStartProcess>> = {};
    let proxy: FaultProxy | null = null;

    beforeAll(async () => {
        if (PWSH_WITH_PESTER.path === null) return;
        // In parallel: each takes a few seconds to compile and start.
        await Promise.all(
            HOST_NAMES.map(async (name) => {
                hosts[name] = await startNpmStart(HOSTS[name], join(scratch, name));
            }),
        );
        proxy = await startFaultProxy(hosts.main?.url ?? '');
    }, 180_000);

    afterAll(async () => {
        await proxy?.close();
        await Promise.all(Object.values(hosts).map((host) => host.stop()));
        rmSync(scratch, { recursive: true, force: true });
    });

    itWithTool(
        PWSH_WITH_PESTER,
        `all pass under pwsh ${PWSH_VERSION} and Pester ${PESTER_VERSION}, none skipped; lost answers were replayed`,
        async () => {
            const junit = join(scratch, 'pester-junit.xml');
            const result = await run(
                'bash',
                [join(REPO_ROOT, 'scripts/run-pester.sh'), 'powershell/tests'],
                {
                    ...process.env,
                    PESTER_JUNIT_FILE: junit,
                    ENTRA_SYNC_TEST_URL: hosts.main?.url,
                    ENTRA_SYNC_TEST_PARALLEL_URL: hosts.parallel?.url,
                    ENTRA_SYNC_TEST_INVISIBLE_URL: hosts.invisible?.url,
                    ENTRA_SYNC_TEST_STAGING_URL: hosts.staging?.url,
                    ENTRA_SYNC_TEST_FAILING_URL: hosts.failing?.url,
                    ENTRA_SYNC_TEST_PROXY_URL: proxy?.url,
                },
                540_000,
            );
            const output = `${result.stdout}\n${result.stderr}`;
            expect(result.code, output).toBe(0);

            const summaryLine = /^PESTER-RESULT (.+)$/m.exec(result.stdout)?.[1];
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
            expect(xml.match(/<testcase\b/g)).toHaveLength(summary.total);
            expect(xml).not.toMatch(/<skipped\b/);

            // Seen from the wire, not from the client: some Idempotency-Key reached the service twice, the first
            // answer was thrown away, and the service answered the second as a replay (202, Idempotent-Replayed).
            const posts = proxy?.posts ?? [];
            const byKey = new Map<string, ForwardedPost[]>();
            for (const post of posts) byKey.set(post.idempotencyKey, [...(byKey.get(post.idempotencyKey) ?? []), post]);
            const replayed = [...byKey.values()].filter(
                (tries) =>
                    tries.length === 2 &&
                    tries[0]?.lost === true &&
                    tries[0].status === 202 &&
                    !tries[0].replayed &&
                    tries[1]?.lost === false &&
                    tries[1].status === 202 &&
                    tries[1].replayed,
            );
            expect(replayed.length, JSON.stringify(posts)).toBeGreaterThanOrEqual(3);

            // The concurrency case's figure, as the suite printed it.
            const figure = /^8 concurrent joiner workflows: (\d+) Automation job\(s\) created.*$/m.exec(result.stdout);
            expect(Number(figure?.[1]), output).toBeLessThanOrEqual(2);
            console.info(`${figure?.[0] ?? ''}\nPESTER-RESULT ${summaryLine ?? ''}`);
        },
        600_000,
    );

    // These run everywhere: they stop before pwsh is needed, or point the tools directory at one that does not exist.
    it('scripts/run-pester.sh with a path that does not exist exits 2 and names it', () => {
        const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/run-pester.sh'), 'powershell/no-such-tests'], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
        });
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('ERROR: no such test path: powershell/no-such-tests');
    });

    it('scripts/run-pester.sh powershell/tests without pwsh under CI=true fails, naming the suites', () => {
        const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/run-pester.sh'), 'powershell/tests'], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
            env: {
                ...process.env,
                POWERSHELL_TOOLS_DIR: join(scratch, 'no-tools-here'),
                PATH: '/usr/bin:/bin',
                CI: 'true',
            },
        });
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(
            /^ERROR: Pester tests of powershell\/tests cannot run: pwsh 7\.6\.9 is not installed/m,
        );
    });
});
