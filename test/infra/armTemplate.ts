/**
 * The Bicep CLI as a required tool, and a reader of the ARM JSON it compiles infra/main.bicep into: the exact
 * template azd deploys, so tests assert on resolved resource types, API versions and properties instead of
 * reading Bicep text by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { findExecutable, type RequiredTool } from '../support/requiredTool';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The Bicep CLI scripts/install-bicep.sh installs (.tools/bicep/bicep), else one on PATH. */
export const BICEP: RequiredTool = (() => {
    const recorded = join(REPO_ROOT, '.tools', 'bicep', 'UNAVAILABLE');
    return {
        name: 'the Bicep CLI',
        path: findExecutable(join(REPO_ROOT, '.tools', 'bicep', 'bicep'), 'bicep'),
        missingBecause: existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : undefined,
        install: 'bash scripts/install-bicep.sh',
    };
})();

/** One resource of the compiled template, modules flattened; `module` is the deployment path ('' at the top). */
export interface ArmResource {
    readonly module: string;
    /** The Bicep symbol, where the template keeps symbolic names (languageVersion 2.0). */
    readonly symbol: string | null;
    readonly type: string;
    readonly apiVersion: string;
    readonly name: string;
    readonly kind: unknown;
    readonly sku: Record<string, unknown>;
    readonly identity: Record<string, unknown> | null;
    readonly existing: boolean;
    readonly properties: Record<string, unknown>;
    readonly raw: Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> {
    return isRecord(value) ? value : {};
}

/** `bicep build infra/main.bicep` into `outDir`; the parsed template. Throws with the CLI's output on failure. */
export function buildMainTemplate(bicepPath: string, outDir: string): Record<string, unknown> {
    const outfile = join(outDir, 'main.json');
    execFileSync(bicepPath, ['build', join(REPO_ROOT, 'infra', 'main.bicep'), '--outfile', outfile], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parsed: unknown = JSON.parse(readFileSync(outfile, 'utf8'));
    if (!isRecord(parsed)) throw new Error('main.json is not an object');
    return parsed;
}

/** Every resource of a template and of its nested module deployments, in template order. */
export function armResources(template: Record<string, unknown>, module = ''): ArmResource[] {
    const raw = template.resources;
    const entries: [string | null, unknown][] = Array.isArray(raw)
        ? raw.map((r) => [null, r])
        : Object.entries(record(raw)).map(([k, v]) => [k, v]);
    const found: ArmResource[] = [];
    for (const [symbol, value] of entries) {
        if (!isRecord(value) || typeof value.type !== 'string') continue;
        const resource: ArmResource = {
            module,
            symbol,
            type: value.type,
            apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
            name: typeof value.name === 'string' ? value.name : '',
            kind: value.kind,
            sku: record(value.sku),
            identity: isRecord(value.identity) ? value.identity : null,
            existing: value.existing === true,
            properties: record(value.properties),
            raw: value,
        };
        found.push(resource);
        if (value.type === 'Microsoft.Resources/deployments') {
            const path = module === '' ? resource.name : `${module}/${resource.name}`;
            found.push(...armResources(record(resource.properties.template), path));
        }
    }
    return found;
}

/** The resources of one type, optionally only those declared in the module deployment named `module`. */
export function ofType(all: readonly ArmResource[], type: string, module?: string): ArmResource[] {
    return all.filter((r) => r.type === type && !r.existing && (module === undefined || r.module === module));
}

/** The one resource of a type whose ARM name expression mentions `nameHint` (a parameter name, a literal). */
export function theOne(all: readonly ArmResource[], type: string, nameHint?: string): ArmResource {
    const matches = ofType(all, type).filter((r) => nameHint === undefined || r.name.includes(nameHint));
    if (matches.length !== 1) throw new Error(`${matches.length} resources of ${type} match ${nameHint ?? '(any)'}`);
    const [only] = matches;
    if (only === undefined) throw new Error('unreachable');
    return only;
}

/** The value at a dotted path of an object (`functionAppConfig.runtime.name`), or undefined. */
export function at(value: unknown, path: string): unknown {
    let current = value;
    for (const key of path.split('.')) current = isRecord(current) ? current[key] : undefined;
    return current;
}
