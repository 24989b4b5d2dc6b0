/**
 * The bindings the function registrations declare (connection-setting prefixes, queue names), read from the
 * source of functions/*.ts. Literal values only: `connection: 'ServiceBusConnection'`, `queueName: '%X%'`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './bicepText';

export interface BindingFacts {
    /** Files read. */
    readonly files: string[];
    readonly connections: Set<string>;
    readonly queueNames: Set<string>;
    readonly tableNames: Set<string>;
    readonly triggerKinds: Set<string>;
}

export function readFunctionBindings(dir = join(REPO_ROOT, 'functions')): BindingFacts {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')) : [];
    const facts: BindingFacts = {
        files,
        connections: new Set(),
        queueNames: new Set(),
        tableNames: new Set(),
        triggerKinds: new Set(),
    };
    for (const file of files) {
        const text = readFileSync(join(dir, file), 'utf8');
        for (const m of text.matchAll(/\bconnection\s*:\s*['"]([^'"]+)['"]/g)) facts.connections.add(m[1] ?? '');
        for (const m of text.matchAll(/\bqueueName\s*:\s*['"]([^'"]+)['"]/g)) facts.queueNames.add(m[1] ?? '');
        for (const m of text.matchAll(/\btableName\s*:\s*['"]([^'"]+)['"]/g)) facts.tableNames.add(m[1] ?? '');
        for (const m of text.matchAll(
            /\bapp\.(http|serviceBusQueue|timer|storageQueue|storageBlob|eventGrid|generic)\s*\(/g,
        )) {
            facts.triggerKinds.add(m[1] ?? '');
        }
    }
    return facts;
}
