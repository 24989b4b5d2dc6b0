import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type LocalHost, startLocalHost } from '../../src/local/localHost';
import { LOCAL_DEFAULTS } from '../../src/local/localSettings';
import { silentLogger } from '../../src/ports/logger';

const root = join(__dirname, '..', '..');

/** Short engine timing and a fast simulated Connect server, so a joiner's cycle ends within seconds. */
export const FAST_LOCAL_TIMING: Readonly<Record<string, string>> = {
    SYNC_QUIET_SECONDS: '1',
    SYNC_URGENT_MAX_WAIT_SECONDS: '2',
    SYNC_MIN_SPACING_SECONDS: '0',
    SYNC_POLL_INTERVAL_SECONDS: '1',
    SYNC_POLL_MAX_INTERVAL_SECONDS: '2',
    SIMULATED_CONNECT_WORKER_POLL_SECONDS: '0.5',
    SIMULATED_CONNECT_CYCLE_SECONDS: '1',
    SIMULATED_CONNECT_SCHEDULER_MINUTES: '0',
};

/** A local host in this process, and how to stop it and remove what it wrote. */
export interface TestLocalHost {
    readonly host: LocalHost;
    stop(): Promise<void>;
}

/**
 * Starts the local host in this process on a free loopback port, with in-memory storage and a temporary data
 * folder (removed by `stop`), so tests leave the tree as they found it.
 * @param name - prefix of the temporary folder
 * @param settings - settings over the local defaults
 */
export async function startTestLocalHost(
    name: string,
    settings: Readonly<Record<string, string>> = {},
): Promise<TestLocalHost> {
    const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
    const host = await startLocalHost({
        root,
        port: 0,
        hostname: '127.0.0.1',
        settings: { ...LOCAL_DEFAULTS, ...settings },
        storage: 'memory',
        azuriteLocation: join(dataDir, 'azurite'),
        simulationJournal: null,
        timeScale: 1,
        log: silentLogger,
    });
    return {
        host,
        stop: async () => {
            await host.stop();
            rmSync(dataDir, { recursive: true, force: true });
        },
    };
}
