import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureAppRegistrations, type CapturedFunction, captureRegistrations } from '../support/functionsRegistry';
import {
    type IngestionServer,
    makeTestCertificate,
    nameOf,
    startIngestionServer,
    type TestCertificate,
} from '../support/ingestionServer';
import { BASE_ENV } from '../transports/harness';

const REPO_ROOT = resolve(__dirname, '../..');
const FUNCTIONS_DIR = join(REPO_ROOT, 'functions');
const DRIVER = resolve(__dirname, 'bundleDriver.ts');

/**
 * `npm run build:bundle` with the output moved to a directory outside the repository: nothing can be resolved
 * from node_modules there, so loading it proves the bundle is self-contained (all but `@azure/functions-core`,
 * which the host provides).
 */
function buildBundle(outDir: string): string {
    const outfile = join(outDir, 'index.js');
    const result = spawnSync('npm', ['run', '--silent', 'build:bundle', '--', `--outfile=${outfile}`], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`build:bundle failed: ${result.stderr}`);
    return outfile;
}

/** The comparable part of a registration: everything the host receives except the handler itself. */
function metadataOf(fn: CapturedFunction): object {
    return { name: fn.name, bindings: fn.bindings, retryOptions: fn.retryOptions, handler: typeof fn.handler };
}

let outDir = '';
let bundle = '';
let unbundled: CapturedFunction[] = [];
let bundled: CapturedFunction[] = [];

beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'entra-sync-bundle-'));
    bundle = buildBundle(outDir);
    // The TypeScript sources first, through node_modules' @azure/functions; the bundle carries its own copy of the
    // library, so capturing it afterwards does not meet the first copy's cached host.
    unbundled = await captureAppRegistrations();
    const load = createRequire(__filename);
    bundled = await captureRegistrations(() => Promise.resolve(load(bundle)));
}, 120_000);

afterAll(() => {
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

describe('the esbuild bundle (package.json main)', () => {
    it('is what package.json points the host at', () => {
        const pkg: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
        const main: unknown = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'main') : undefined;
        const scripts: unknown = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'scripts') : undefined;
        const buildBundle: unknown =
            typeof scripts === 'object' && scripts !== null ? Reflect.get(scripts, 'build:bundle') : undefined;
        expect(main).toBe('dist/index.js');
        expect(buildBundle).toContain('--outfile=dist/index.js');
        // What the deployment zip holds (host.json, package.json, this bundle, nothing else): test/infra/azd.test.ts.
    });

    it('registers every function of functions/*.ts', () => {
        const files = readdirSync(FUNCTIONS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
        expect(unbundled).toHaveLength(files.length);
        expect(bundled.map((f) => f.name).sort()).toEqual(unbundled.map((f) => f.name).sort());
    });

    it('registers each function with the same binding metadata as the unbundled sources', () => {
        const byName = (list: CapturedFunction[]) =>
            [...list].sort((a, b) => a.name.localeCompare(b.name)).map(metadataOf);
        expect(byName(bundled)).toEqual(byName(unbundled));
    });
});

describe('Application Insights telemetry from the bundle (loopback HTTPS ingestion)', () => {
    let cert: TestCertificate;
    let server: IngestionServer;
    let child: ChildProcess | undefined;
    let stderr = '';

    beforeAll(async () => {
        cert = makeTestCertificate();
        server = await startIngestionServer(cert);
    });

    afterAll(async () => {
        child?.kill();
        await server.close();
        cert.remove();
    });

    it('accepts a request through the bundled handler and its RequestAccepted event arrives', async () => {
        const running = spawn(process.execPath, ['--import', 'tsx', DRIVER], {
            cwd: REPO_ROOT,
            env: {
                PATH: process.env.PATH,
                BUNDLE_PATH: bundle,
                NODE_EXTRA_CA_CERTS: cert.certPath,
                // The intake tests' targets and routing; AUTOMATION_MODE simulated, so no Azure call is tried.
                ...BASE_ENV,
                APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${server.endpoint}`,
                APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
                APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
                APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        child = running;
        let stdout = '';
        running.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        running.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<never>((_, fail) =>
            running.on('exit', (code) => fail(new Error(`driver exited with ${code}: ${stderr}`))),
        );
        const envelopes = await Promise.race([
            server.waitFor((all) => all.some((e) => nameOf(e) === 'RequestAccepted'), 60_000),
            exited,
        ]);
        expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ status: 202 });
        const accepted = envelopes.find((e) => nameOf(e) === 'RequestAccepted');
        expect(accepted?.tags['ai.cloud.role']).toBe('entra-sync-trigger');
        expect(server.otherRequests).toEqual([]);
    }, 90_000);
});
