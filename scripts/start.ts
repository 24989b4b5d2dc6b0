/**
 * `npm start`: the embedded local host. Serves the real function registrations on http://localhost:7071 with
 * Azurite, stand-in Service Bus queues and a simulated Entra Connect server; no Azure, no Core Tools.
 * See docs/LOCAL.md.
 */
import { join, resolve } from 'node:path';

import { isConfigError } from '../src/errors';
import { type LocalStorageMode, startLocalHost } from '../src/local/localHost';
import { mergeLocalSettings, readLocalSettings } from '../src/local/localSettings';
import { consoleLogger } from '../src/ports/logger';

const root = join(__dirname, '..');

function storageMode(settings: Readonly<Record<string, string>>): LocalStorageMode {
    const explicit = settings.LOCAL_STORAGE;
    if (explicit === 'azurite' || explicit === 'memory' || explicit === 'external') return explicit;
    if (explicit !== undefined) throw new Error(`LOCAL_STORAGE must be azurite, memory or external, got "${explicit}"`);
    const storage = settings.AzureWebJobsStorage;
    return storage === undefined || storage === 'UseDevelopmentStorage=true' ? 'azurite' : 'external';
}

function positive(text: string | undefined, fallback: number, name: string): number {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${text}"`);
    return value;
}

async function main(): Promise<void> {
    const settings = mergeLocalSettings(readLocalSettings(join(root, 'local.settings.json')), process.env);
    const storage = storageMode(settings);
    const timeScale = Math.max(1, positive(settings.LOCAL_TIME_SCALE, 1, 'LOCAL_TIME_SCALE'));
    const dataDir = resolve(root, settings.LOCAL_DATA_DIR ?? '.local');
    const host = await startLocalHost({
        root,
        port: positive(settings.LOCAL_HTTP_PORT, 7071, 'LOCAL_HTTP_PORT'),
        hostname: '127.0.0.1',
        settings,
        storage,
        azuriteLocation: join(dataDir, 'azurite'),
        // Kept with the state it belongs to: in memory, nothing survives a restart, the simulation neither.
        simulationJournal: storage === 'memory' ? null : join(dataDir, 'simulated-connect.jsonl'),
        timeScale,
        log: consoleLogger,
    });
    const url = host.url.replace('127.0.0.1', 'localhost');
    const lines = [
        '',
        `entra-sync-trigger local host — ${host.simulation === null ? 'Azure Automation' : 'simulated Entra Connect server'}, storage: ${storage === 'azurite' ? `Azurite (${settings.LOCAL_DATA_DIR ?? '.local'}/azurite)` : storage}${timeScale > 1 ? `, clock ×${timeScale}` : ''}`,
        '',
        'Functions:',
        ...host.functions.map((fn) => {
            const trigger = Object.values(fn.bindings).find((b) => b.direction === 'in');
            if (trigger?.type === 'httpTrigger') {
                const methods = Array.isArray(trigger.methods) ? trigger.methods.join(',') : 'ANY';
                const route = typeof trigger.route === 'string' ? trigger.route : fn.name;
                return `  ${fn.name}: [${methods}] ${url}/api/${route}`;
            }
            return `  ${fn.name}: ${trigger?.type ?? 'unknown trigger'}`;
        }),
        '',
        `API:         POST ${url}/api/sync/requests   (status at the Location header)`,
        `OpenAPI:     ${url}/api/openapi.json`,
        `Status page: ${host.functions.some((f) => f.name === 'statusPage') ? `${url}/api/status/page (JSON: ${url}/api/status)` : '(statusPage function not registered in this build)'}`,
        ...(host.simulation === null ? [] : [`Simulation:  ${url}/_local/simulation`]),
        `Queues:      POST ${url}/_local/queues/<${[...host.queues.keys()].join('|')}>`,
        '',
        'Ready. Press Ctrl-C to stop.',
    ];
    console.log(lines.join('\n'));
    let stopping = false;
    const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: shutting down…`);
        host.stop().then(
            () => {
                console.log('Stopped.');
                process.exit(0);
            },
            (e: unknown) => {
                console.error('Shutdown failed', e);
                process.exit(1);
            },
        );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
    console.error(isConfigError(e) ? e.message : e instanceof Error ? `Start failed: ${e.message}` : e);
    process.exit(1);
});
