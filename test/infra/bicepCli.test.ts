import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { SETTINGS } from '../../src/config/settings';
import { REPO_ROOT } from './bicepText';

/** The Bicep CLI scripts/install-bicep.sh installed, else one on PATH, else why there is none. */
function findBicep(): { path: string } | { reason: string } {
    const local = join(REPO_ROOT, '.tools', 'bicep', 'bicep');
    if (existsSync(local)) return { path: local };
    const onPath = spawnSync('bicep', ['--version'], { encoding: 'utf8' });
    if (onPath.status === 0) return { path: 'bicep' };
    const recorded = join(REPO_ROOT, '.tools', 'bicep', 'UNAVAILABLE');
    const why = existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : 'scripts/install-bicep.sh has not run';
    return { reason: why };
}

const bicep = findBicep();
const skipReason = 'reason' in bicep ? bicep.reason : null;
const title = (what: string) => (skipReason === null ? what : `${what} (SKIPPED: no Bicep CLI: ${skipReason})`);
if (skipReason !== null) console.warn(`Bicep CLI checks SKIPPED: ${skipReason}`);

interface ArmResource {
    readonly type: string;
    readonly name: unknown;
    readonly properties?: Record<string, unknown>;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(Object.entries(value));
}

/** Every resource in an ARM template, including those of nested (module) deployments. */
function allResources(template: unknown): ArmResource[] {
    if (typeof template !== 'object' || template === null) return [];
    const raw: unknown = Reflect.get(template, 'resources');
    const list: unknown[] = Array.isArray(raw)
        ? raw
        : typeof raw === 'object' && raw !== null
          ? Object.values(raw)
          : [];
    const found: ArmResource[] = [];
    for (const r of list) {
        if (typeof r !== 'object' || r === null) continue;
        const type: unknown = Reflect.get(r, 'type');
        if (typeof type !== 'string') continue;
        const resource: ArmResource = {
            type,
            name: Reflect.get(r, 'name'),
            properties: asRecord(Reflect.get(r, 'properties')),
        };
        found.push(resource);
        if (type === 'Microsoft.Resources/deployments') found.push(...allResources(resource.properties?.template));
    }
    return found;
}

describe('Bicep CLI: build and lint', () => {
    it('installs into .tools/, which git ignores', () => {
        const ignored = spawnSync('git', ['check-ignore', '-q', '.tools/bicep/bicep'], { cwd: REPO_ROOT });
        expect(ignored.status).toBe(0);
        expect(readFileSync(join(REPO_ROOT, 'scripts', 'install-bicep.sh'), 'utf8')).toContain('dest=".tools/bicep"');
    });

    const out = mkdtempSync(join(tmpdir(), 'bicep-'));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it.skipIf(skipReason !== null)(
        title('scripts/check-bicep.sh builds infra/main.bicep and lints every file with zero errors'),
        () => {
            const result = spawnSync('bash', ['scripts/check-bicep.sh'], {
                cwd: REPO_ROOT,
                encoding: 'utf8',
                env: { ...process.env, BICEP_OUT: out },
            });
            expect(result.stdout + result.stderr).toContain('bicep build/lint: OK');
            expect(result.status).toBe(0);
        },
    );

    it.skipIf(skipReason !== null)(
        title('the built ARM JSON has the resources and settings the structural tests expect'),
        () => {
            const built = join(out, 'main.json');
            if (!existsSync(built) && 'path' in bicep) {
                execFileSync(bicep.path, ['build', join(REPO_ROOT, 'infra', 'main.bicep'), '--outfile', built]);
            }
            const text = readFileSync(built, 'utf8');
            const resources = allResources(JSON.parse(text));
            const types = new Set(resources.map((r) => r.type));
            for (const type of [
                'Microsoft.Web/serverfarms',
                'Microsoft.Web/sites',
                'Microsoft.Web/sites/config',
                'Microsoft.Storage/storageAccounts',
                'Microsoft.Storage/storageAccounts/tableServices/tables',
                'Microsoft.ServiceBus/namespaces/queues',
                'Microsoft.Automation/automationAccounts/runbooks',
                'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups',
                'Microsoft.Insights/components',
                'Microsoft.Insights/workbooks',
                'Microsoft.Insights/scheduledQueryRules',
                'Microsoft.Authorization/roleAssignments',
            ]) {
                expect(types.has(type), type).toBe(true);
            }
            const storage = resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts');
            expect(storage?.properties?.allowSharedKeyAccess).toBe(false);
            const namespace = resources.find((r) => r.type === 'Microsoft.ServiceBus/namespaces');
            expect(namespace?.properties?.disableLocalAuth).toBe(true);
            for (const s of SETTINGS.filter((x) => x.setByInfra)) expect(text, s.name).toContain(s.name);
            expect(text).not.toMatch(/listKeys\(|AccountKey=|SharedAccessKey/);
        },
    );
});
