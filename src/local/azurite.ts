import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';

/** Azurite's well-known development account key (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_KEY =
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';

/** A running Azurite Table service. */
export interface RunningAzurite {
    readonly connectionString: string;
    readonly tableEndpoint: string;
    readonly port: number;
    stop(): Promise<void>;
}

export interface AzuriteOptions {
    /** Folder that keeps the tables across restarts. */
    readonly location: string;
    /** A fixed port; a free loopback port when absent. */
    readonly port?: number;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Starts Azurite's Table service with persistence in `location`, on 127.0.0.1, telemetry off
 * (azure-notes finding 5), and resolves once it listens.
 * @param options - where to keep data and which port
 */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
    mkdirSync(options.location, { recursive: true });
    const port = options.port ?? (await freeLoopbackPort());
    const main = require.resolve('azurite/dist/src/table/main.js');
    const child = spawn(
        process.execPath,
        [
            main,
            '--tableHost',
            '127.0.0.1',
            '--tablePort',
            String(port),
            '--location',
            options.location,
            '--disableTelemetry',
            '--skipApiVersionCheck',
            '--loose',
            '--silent',
        ],
        { cwd: options.location, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitUntilListening(child);
    const tableEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
    return {
        connectionString:
            `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};` +
            `AccountKey=${AZURITE_ACCOUNT_KEY};TableEndpoint=${tableEndpoint};`,
        tableEndpoint,
        port,
        stop: () => kill(child),
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
    });
}
