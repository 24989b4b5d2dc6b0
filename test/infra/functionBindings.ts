/**
 * The bindings the function registrations really declare (connection-setting prefixes, queue and table names,
 * trigger types), captured from the metadata `@azure/functions` hands the host when src/index.ts registers the
 * functions (test/support/functionsRegistry). Call before anything else in the test process touches `app.*`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { captureAppRegistrations, type CapturedFunction } from '../support/functionsRegistry';
import { REPO_ROOT } from './bicepText';

export interface BindingFacts {
    readonly functions: readonly CapturedFunction[];
    /** The function files of functions/ (one trigger each; index.ts lists them). */
    readonly files: readonly string[];
    readonly connections: ReadonlySet<string>;
    readonly queueNames: ReadonlySet<string>;
    readonly tableNames: ReadonlySet<string>;
    readonly bindingTypes: ReadonlySet<string>;
}

export async function captureFunctionBindings(dir = join(REPO_ROOT, 'functions')): Promise<BindingFacts> {
    const files = readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
        .sort();
    const functions = await captureAppRegistrations();
    const connections = new Set<string>();
    const queueNames = new Set<string>();
    const tableNames = new Set<string>();
    const bindingTypes = new Set<string>();
    for (const fn of functions) {
        for (const binding of Object.values(fn.bindings)) {
            bindingTypes.add(binding.type);
            const { connection, queueName, tableName } = binding;
            if (typeof connection === 'string') connections.add(connection);
            if (typeof queueName === 'string') queueNames.add(queueName);
            if (typeof tableName === 'string') tableNames.add(tableName);
        }
    }
    return { functions, files, connections, queueNames, tableNames, bindingTypes };
}
