import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's well-known development account key (public, documented by Microsoft; not a secret). */
const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';

/** A running Azurite Table service on a loopback port. */
export interface RunningAzurite {
    /** Shared-key connection string for `TableClient.fromConnectionString` (needs `allowInsecureConnection`). */
    readonly connectionString: string;
    /** e.g. `http://127.0.0.1:54321/devstoreaccount1`. */
    readonly tableEndpoint: string;
    readonly port: number;
    /** Stops Azurite (gracefully: a persistent one saves first), removes its temporary folder; safe to call twice. */
    stop(): Promise<void>;
}

export interface AzuriteOptions {
    /** Folder that keeps the tables across restarts; in memory (in a private temporary folder) when absent. */
    readonly location?: string;
    /** A fixed port; a free loopback port when absent. */
    readonly port?: number;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Runs Azurite's Table service in a child that saves when its parent dies. Azurite keeps tables in memory and
 * writes them to disk every 5 s, and saves at once on SIGINT; a host killed with SIGKILL would take up to 5 s of
 * acknowledged requests with it. The parent holds an IPC channel to this child: the operating system closes it
 * however the parent ends, and `disconnect` then triggers Azurite's own graceful shutdown, which saves before it
 * exits. Stdout and stderr errors are swallowed because a dead parent's pipes fail with EPIPE mid-save.
 */
const KEEPER = [
    "process.stdout.on('error', () => {});",
    "process.stderr.on('error', () => {});",
    "process.on('disconnect', () => process.emit('SIGINT'));",
    'const main = process.argv[2];',
    'process.argv.splice(2, 1);',
    'require(main);',
].join('\n');
const START_ATTEMPTS = 3;

/**
 * Starts Azurite's Table service on 127.0.0.1, telemetry off (azure-notes finding 5), and resolves once it
 * listens: persistent in `location` (the local sandbox), or in memory (tests: one per test file, `stop()` after).
 * @param options - where to keep data and which port
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
    if (options.port !== undefined) return startOnce(options.port, options.location);
    // A probed free port can be taken between probing and binding; a few tries make that race harmless.
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        try {
            return await startOnce(await freeLoopbackPort(), options.location);
        } catch (e) {
            lastError = e;
        }
    }
    throw lastError instanceof Error ? lastError : new Error('Azurite did not start');
}

async function startOnce(port: number, location: string | undefined): Promise<RunningAzurite> {
    // Azurite refuses --location with in-memory persistence; a private cwd keeps any stray files out of the repo.
    const workDir = location ?? mkdtempSync(join(tmpdir(), 'azurite-'));
    if (location !== undefined) mkdirSync(location, { recursive: true });
    const storage = location === undefined ? ['--inMemoryPersistence'] : ['--location', location];
    const main = require.resolve('azurite/dist/src/table/main.js');
    const child = spawn(
        process.execPath,
        [
            '-e',
            KEEPER,
            // Azurite parses process.argv from its third entry; with `-e` the second is the first argument.
            'azurite-table',
            main,
            '--tableHost',
            '127.0.0.1',
            '--tablePort',
            String(port),
            ...storage,
            '--disableTelemetry',
            '--skipApiVersionCheck',
            '--loose',
            '--silent',
        ],
        {
            cwd: workDir,
            stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
            // Its own process group: a kill aimed at the host's group (a terminal's, or `kill -9 -PGID`) does not
            // reach Azurite, which then sees the IPC channel close and saves (KEEPER).
            detached: location !== undefined,
        },
    );
    // The IPC channel exists only so that Azurite learns of the host's death; it must not keep the host alive.
    child.unref();
    child.channel?.unref();
    const stop = onceAsync(async () => {
        await kill(child);
        if (location === undefined) rmSync(workDir, { recursive: true, force: true });
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

/** A free 127.0.0.1 port (Azurite's `--tablePort 0` reports `:0`, so the port is picked first). */
export function freeLoopbackPort(): Promise<number> {
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
            () => done(new Error(`Azurite did not listen within 30 s: ${output}`)),
            READY_TIMEOUT_MS,
        );
        const onData = (chunk: Buffer): void => {
            output += chunk.toString();
            if (/successfully (started|listening)/.test(output)) done();
        };
        const onExit = (code: number | null): void => done(new Error(`Azurite exited with ${code}: ${output}`));
        function done(error?: Error): void {
            clearTimeout(timer);
            child.stdout?.off('data', onData);
            child.stderr?.off('data', onData);
            child.off('exit', onExit);
            // Keep draining so a chatty Azurite never blocks on a full pipe.
            child.stdout?.resume();
            child.stderr?.resume();
            if (error === undefined) resolve();
            else {
                child.kill('SIGKILL');
                reject(error);
            }
        }
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', onExit);
    });
}

function kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
            clearTimeout(force);
            resolve();
        });
        // SIGINT is Azurite's graceful shutdown: it saves its database first (SIGTERM would lose the last
        // five seconds of writes).
        child.kill('SIGINT');
        // Azurite exits once its server has closed and nothing else holds it: the IPC channel would.
        if (child.connected) child.disconnect();
    });
}

function onceAsync(fn: () => Promise<void>): () => Promise<void> {
    let running: Promise<void> | null = null;
    return () => (running ??= fn());
}
