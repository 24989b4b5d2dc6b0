import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's well-known development account key (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_KEY =
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';

/** A running Azurite Table service on a loopback port. */
export interface AzuriteTables {
    /** Shared-key connection string for `TableClient.fromConnectionString` (needs `allowInsecureConnection`). */
    readonly connectionString: string;
    /** e.g. `http://127.0.0.1:54321/devstoreaccount1`. */
    readonly tableEndpoint: string;
    readonly port: number;
    /** Kills the process and removes its work folder. Safe to call twice. */
    stop(): Promise<void>;
}

const TABLE_MAIN = join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'table', 'main.js');
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts Azurite's Table service only, in memory, on a free 127.0.0.1 port, and resolves once it listens.
 * Use one per test file from `beforeAll`, `stop()` in `afterAll`, and a unique table name per test.
 *
 * @example
 * let azurite: AzuriteTables;
 * beforeAll(async () => { azurite = await startAzuriteTables(); });
 * afterAll(() => azurite.stop());
 */
export async function startAzuriteTables(): Promise<AzuriteTables> {
    // The chosen port can be taken between probing and binding; a few tries make that race harmless.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            return await startOnce(await freeLoopbackPort());
        } catch (e) {
            lastError = e;
        }
    }
    throw lastError instanceof Error ? lastError : new Error('Azurite did not start');
}

async function startOnce(port: number): Promise<AzuriteTables> {
    const workDir = mkdtempSync(join(tmpdir(), 'azurite-'));
    const child = spawn(
        process.execPath,
        [
            TABLE_MAIN,
            '--tableHost',
            '127.0.0.1',
            '--tablePort',
            String(port),
            '--inMemoryPersistence',
            '--disableTelemetry',
            '--skipApiVersionCheck',
            '--loose',
            '--silent',
        ],
        // Azurite refuses --location with in-memory persistence; a private cwd keeps any stray files out of the repo.
        { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stop = onceAsync(async () => {
        await kill(child);
        rmSync(workDir, { recursive: true, force: true });
    });
    try {
        await waitUntilListening(child);
    } catch (e) {
        await stop();
        throw e;
    }
    const tableEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
    return {
        connectionString:
            `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};` +
            `AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${tableEndpoint};`,
        tableEndpoint,
        port,
        stop,
    };
}

/** Azurite's `--tablePort 0` reports `:0`, so the port is picked here first. */
function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            server.close(() => (port > 0 ? resolve(port) : reject(new Error('No free port'))));
        });
    });
}

function waitUntilListening(child: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(
            () => fail(new Error(`Azurite did not listen within 30 s: ${output}`)),
            READY_TIMEOUT_MS,
        );
        const onData = (chunk: Buffer): void => {
            output += chunk.toString();
            if (/successfully (started|listening)/.test(output)) finish();
        };
        const onExit = (code: number | null): void => fail(new Error(`Azurite exited with ${code}: ${output}`));
        function cleanUp(): void {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            child.stderr?.off('data', onData);
            child.off('exit', onExit);
            // Keep draining so a chatty Azurite never blocks on a full pipe.
            child.stdout?.resume();
            child.stderr?.resume();
        }
        function finish(): void {
            cleanUp();
            resolve();
        }
        function fail(e: Error): void {
            cleanUp();
            reject(e);
        }
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', onExit);
    });
}

function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
            clearTimeout(force);
            resolve();
        });
        child.kill('SIGTERM');
    });
}

function onceAsync(fn: () => Promise<void>): () => Promise<void> {
    let running: Promise<void> | null = null;
    return () => (running ??= fn());
}
