/**
 * `npm start`: the embedded local host. Serves the real function registrations on http://localhost:7071 with
 * Azurite, stand-in Service Bus queues and a simulated Entra Connect server; no Azure, no Core Tools.
 * See docs/LOCAL.md.
 */
import { join, resolve } from 'node:path';

import { localHostSettings } from '../src/config/localHostSettings';
import { isConfigError } from '../src/errors';
import { startLocalHost } from '../src/local/localHost';
import { mergeLocalSettings, readLocalSettings } from '../src/local/localSettings';
import { consoleLogger } from '../src/ports/logger';
import type { FunctionRegistration } from '../src/transports/functionRegistration';

const root = join(__dirname, '..');

/** One line of the start-up banner per function. */
function functionLine(fn: FunctionRegistration, url: string): string {
    switch (fn.trigger) {
        case 'http':
            return `  ${fn.name}: [${(fn.options.methods ?? ['GET', 'POST']).join(',')}] ${url}/api/${fn.options.route ?? fn.name}`;
        case 'serviceBusQueue':
            return `  ${fn.name}: Service Bus queue ${fn.options.queueName}`;
        case 'timer':
            return `  ${fn.name}: timer ${fn.options.schedule}`;
    }
}

async function main(): Promise<void> {
    const settings = mergeLocalSettings(readLocalSettings(join(root, 'local.settings.json')), process.env);
    const local = localHostSettings(settings, root);
    const { storage, timeScale } = local;
    const host = await startLocalHost({
        root,
        port: local.port,
        hostname: '127.0.0.1',
        settings,
        storage,
        azuriteLocation: local.azuriteLocation,
        // Kept with the state it belongs to: in memory, nothing survives a restart, the simulation neither.
        simulationJournal: storage === 'memory' ? null : join(resolve(root, local.dataDir), 'simulated-connect.jsonl'),
        timeScale,
        log: consoleLogger,
    });
    const url = host.url.replace('127.0.0.1', 'localhost');
    const lines = [
        '',
        `entra-sync-trigger local host — ${host.simulation === null ? 'Azure Automation' : 'simulated Entra Connect server'}, storage: ${storage === 'azurite' ? `Azurite (${local.dataDir}/azurite)` : storage}${timeScale > 1 ? `, clock ×${timeScale}` : ''}`,
        '',
        'Functions:',
        ...host.functions.map((fn) => functionLine(fn, url)),
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
