import { spawnSync } from 'node:child_process';
import {
    chmodSync,
    copyFileSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SETTINGS } from '../../src/config/settings';
import { itWithTool } from '../support/requiredTool';
import { type ArmResource, armResources, at, BICEP, ofType, REPO_ROOT } from './armTemplate';

const PINNED = /^version="\$\{BICEP_VERSION:-([0-9.]+)\}"$/m.exec(
    readFileSync(join(REPO_ROOT, 'scripts', 'install-bicep.sh'), 'utf8'),
)?.[1];

describe('Bicep CLI: build and lint with 0 errors and 0 warnings', () => {
    it('installs a pinned version into .tools/, which git ignores', () => {
        const ignored = spawnSync('git', ['check-ignore', '-q', '.tools/bicep/bicep'], { cwd: REPO_ROOT });
        expect(ignored.status).toBe(0);
        expect(readFileSync(join(REPO_ROOT, 'scripts', 'install-bicep.sh'), 'utf8')).toContain('dest=".tools/bicep"');
        expect(PINNED).toBe('0.49.2');
    });

    const out = mkdtempSync(join(tmpdir(), 'bicep-'));
    let check = { status: -1, output: '' };
    let resources: ArmResource[] = [];
    let text = '';
    beforeAll(() => {
        if (BICEP.path === null) return;
        // The script CI runs; it writes main.json into `out`, which the assertions below then read.
        const result = spawnSync('bash', ['scripts/check-bicep.sh'], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
            env: { ...process.env, BICEP_OUT: out },
        });
        check = { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
        // A failed build writes no main.json: the check's own test then reports the CLI's findings.
        if (!existsSync(join(out, 'main.json'))) return;
        text = readFileSync(join(out, 'main.json'), 'utf8');
        const template: unknown = JSON.parse(text);
        resources = typeof template === 'object' && template !== null ? armResources({ ...template }) : [];
    }, 180_000);
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    itWithTool(
        BICEP,
        'scripts/check-bicep.sh builds infra/main.bicep and lints every file: 0 errors, 0 warnings',
        () => {
            expect(check.output).toContain(`Bicep CLI ${PINNED ?? '?'}`);
            expect(check.output).not.toMatch(/ : (Error|Warning) /);
            expect(check.output).toContain('bicep build/lint: OK, 0 errors, 0 warnings');
            expect(check.status).toBe(0);
        },
    );

    it('the check fails on a warning, and under CI=true without a CLI; locally it skips loudly', () => {
        // The script's own policy, with a stand-in CLI that reports one warning and exits 0 as bicep does.
        const tree = mkdtempSync(join(tmpdir(), 'bicep-policy-'));
        try {
            mkdirSync(join(tree, 'scripts'));
            mkdirSync(join(tree, 'infra'));
            mkdirSync(join(tree, '.tools', 'bicep'), { recursive: true });
            for (const script of ['check-bicep.sh', 'install-bicep.sh', 'nuget-download.sh'])
                copyFileSync(join(REPO_ROOT, 'scripts', script), join(tree, 'scripts', script));
            writeFileSync(join(tree, 'infra', 'main.bicep'), '');
            const run = (env: Record<string, string>) => {
                const r = spawnSync('bash', ['scripts/check-bicep.sh'], {
                    cwd: tree,
                    encoding: 'utf8',
                    env: { PATH: '/usr/bin:/bin', ...env },
                });
                return { status: r.status, output: `${r.stdout}${r.stderr}` };
            };

            const local = run({});
            expect(local.output).toMatch(/SKIPPED \(not in CI; under CI=true this fails\)/);
            expect(local.output).toContain('bash scripts/install-bicep.sh');
            expect(local.status).toBe(0);
            const ci = run({ CI: 'true' });
            expect(ci.output).toContain('FAILED: CI=true and the Bicep CLI is not available');
            expect(ci.status).toBe(1);

            const stub = join(tree, '.tools', 'bicep', 'bicep');
            writeFileSync(
                stub,
                [
                    '#!/bin/sh',
                    `[ "$1" = --version ] && { echo "Bicep CLI version ${PINNED ?? '0.0.0'} (stub)"; exit 0; }`,
                    'echo "$2(1,1) : Warning use-recent-api-versions: stand-in finding" >&2',
                    'exit 0',
                    '',
                ].join('\n'),
            );
            chmodSync(stub, 0o755);
            const warned = run({ CI: 'true' });
            expect(warned.output).toContain('bicep build/lint: FAILED, 0 errors, 1 warnings');
            expect(warned.status).toBe(1);
        } finally {
            rmSync(tree, { recursive: true, force: true });
        }
    });
    itWithTool(BICEP, 'the compiled ARM JSON has every resource type the service needs', () => {
        const types = new Set(resources.filter((r) => !r.existing).map((r) => r.type));
        for (const type of [
            'Microsoft.Web/serverfarms',
            'Microsoft.Web/sites',
            'Microsoft.Web/sites/config',
            'Microsoft.Storage/storageAccounts',
            'Microsoft.Storage/storageAccounts/tableServices/tables',
            'Microsoft.ServiceBus/namespaces/queues',
            'Microsoft.Automation/automationAccounts/runbooks',
            'Microsoft.Automation/automationAccounts/hybridRunbookWorkerGroups',
            'Microsoft.HybridCompute/machines/extensions',
            'Microsoft.Insights/components',
            'Microsoft.Insights/workbooks',
            'Microsoft.Insights/scheduledQueryRules',
            'Microsoft.Authorization/roleAssignments',
        ]) {
            expect(types.has(type), type).toBe(true);
        }
        expect(at(ofType(resources, 'Microsoft.Storage/storageAccounts')[0]?.properties, 'allowSharedKeyAccess')).toBe(
            false,
        );
        expect(at(ofType(resources, 'Microsoft.ServiceBus/namespaces')[0]?.properties, 'disableLocalAuth')).toBe(true);
        for (const s of SETTINGS.filter((x) => x.setByInfra)) expect(text, s.name).toContain(s.name);
        expect(text).not.toMatch(/listKeys\(|AccountKey=|SharedAccessKey/);
    });

    itWithTool(BICEP, 'the Hybrid Worker extension gets its location from the machine, as a module parameter', () => {
        // BCP120: a resource's location must be known when the deployment starts; a module parameter may be a
        // runtime value, so the outer module reads the existing machine and passes its location in.
        const inner = resources.find((r) => r.module.endsWith('/hybridWorkerExtensionResource'));
        expect(inner?.type).toBe('Microsoft.HybridCompute/machines/extensions');
        expect(at(inner?.raw, 'location')).toBe("[parameters('location')]");
        const passing = resources.find(
            (r) => r.type === 'Microsoft.Resources/deployments' && r.name === 'hybridWorkerExtensionResource',
        );
        expect(String(at(passing?.properties, 'parameters.location.value'))).toMatch(
            /reference\(resourceId\('Microsoft\.HybridCompute\/machines', parameters\('machineName'\)\), '[0-9-]+', 'full'\)\.location/,
        );
    });
});
