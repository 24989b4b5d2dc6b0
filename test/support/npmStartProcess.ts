import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { freeLoopbackPort } from '../../src/local/azurite';

const root = join(__dirname, '..', '..');
const TSX = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** `npm start`'s local host running as a child process on a loopback port. */
export interface NpmStartProcess {
    readonly url: string;
    readonly pid: number;
    output(): string;
    /** Ctrl-C to the host's process group (tsx and the node process it starts), then kill -9 if it lingers. */
    stop(): Promise<void>;
}

/**
 * Starts `npm start`'s entry point (scripts/start.ts under tsx, what `npm start` runs) on a free loopback port
 * with in-memory storage and the given settings, in its own process group, and waits for its "Ready." line.
 * @param settings - settings over the host's defaults (environment variables, as `npm start` reads them)
 * @param dataDir - LOCAL_DATA_DIR, a temporary folder of the caller's
 */
export async function startNpmStart(
    settings: Readonly<Record<string, string>>,
    dataDir: string,
): Promise<NpmStartProcess> {
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, [TSX, join(root, 'scripts', 'start.ts')], {
        cwd: root,
        env: {
            ...process.env,
            LOCAL_STORAGE: 'memory',
            ...settings,
            LOCAL_HTTP_PORT: String(port),
            LOCAL_DATA_DIR: dataDir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, as a terminal gives `npm start`, so that stopping it reaches tsx's child too.
        detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`host not ready in 90 s:\n${output}`)), 90_000);
        child.stdout.on('data', () => {
            if (output.includes('Ready.')) {
                clearTimeout(timer);
                resolve();
            }
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`host exited with ${code}:\n${output}`));
        });
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the host has no pid');
    return { url: `http://127.0.0.1:${port}`, pid, output: () => output, stop: () => stopGroup(child, pid) };
}

function stopGroup(child: ChildProcess, pid: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        child.removeAllListeners('exit');
        const hard = setTimeout(() => process.kill(-pid, 'SIGKILL'), 15_000);
        child.once('close', () => {
            clearTimeout(hard);
            resolve();
        });
        process.kill(-pid, 'SIGINT');
    });
}
