import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
    extractSettingsBlock,
    renderLocalSettingsSample,
    renderSettingsBlock,
    renderSettingsDoc,
    renderSettingsTable,
    withLocalRunBlock,
} from '../../scripts/settings-table';
import { loadConfig } from '../../src/config/loadConfig';
import { SETTINGS } from '../../src/config/settings';
import type { DocumentedSetting } from '../../src/config/settingSchema';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const REGENERATE = 'run `npx tsx scripts/settings-table.ts --write` and commit the result';

describe('settings table', () => {
    it('has one row per registered setting, in registry order', () => {
        const rows = renderSettingsTable()
            .split('\n')
            .slice(2)
            .map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1]);
        expect(rows).toEqual(SETTINGS.map((s) => s.name));
    });

    it('shows the default, the format, whether infra sets it, and the description', () => {
        const spec: DocumentedSetting = {
            name: 'X_ONE',
            description: 'Pipes | and\nnewlines stay in one cell.',
            format: 'whole number, 0–9',
            required: false,
            setByInfra: true,
            default: '5',
        };
        const required: DocumentedSetting = {
            name: 'X_TWO',
            description: 'Must be set.',
            format: 'JSON',
            required: true,
            setByInfra: false,
        };
        const lines = renderSettingsTable([spec, required]).split('\n');
        expect(lines[2]).toBe('| `X_ONE` | `5` | whole number, 0–9 | yes | Pipes \\| and newlines stay in one cell. |');
        expect(lines[3]).toBe('| `X_TWO` | **required** | JSON | no | Must be set. |');
    });

    it('docs/SETTINGS.md is the generated reference (' + REGENERATE + ')', () => {
        expect(read('docs/SETTINGS.md')).toBe(renderSettingsDoc());
    });

    it("docs/LOCAL.md's table of the local-run settings is the generated one (" + REGENERATE + ')', () => {
        const local = read('docs/LOCAL.md');
        expect(withLocalRunBlock(local)).toBe(local);
        for (const name of ['LOCAL_TIME_SCALE', 'SIMULATED_CONNECT_WORKER', 'SIMULATED_DIRECTORY_LAG_SECONDS']) {
            expect(local).toContain(`| \`${name}\` |`);
        }
    });

    it('docs/DEPLOYMENT.md links the settings reference', () => {
        expect(read('docs/DEPLOYMENT.md')).toContain('(SETTINGS.md)');
    });

    it("README's settings section, once it holds a table, is the generated one", () => {
        const readme = read('README.md');
        const section = /<!-- section:settings -->([\s\S]*?)<!-- \/section:settings -->/.exec(readme)?.[1] ?? '';
        const block = extractSettingsBlock(section);
        if (block === null) {
            // Not pasted yet: then there must be no hand-written table either, which could drift unchecked.
            expect(section).not.toMatch(/^\|/m);
        } else {
            expect(block).toBe(renderSettingsBlock());
        }
    });

    it('extracts exactly the marked block', () => {
        const text = `before\n${renderSettingsBlock()}\nafter`;
        expect(extractSettingsBlock(text)).toBe(renderSettingsBlock());
        expect(extractSettingsBlock('no markers')).toBeNull();
    });
});

describe('local.settings.sample.json', () => {
    const sample = z
        .object({ IsEncrypted: z.boolean(), Values: z.record(z.string(), z.string()) })
        .strict()
        .parse(JSON.parse(read('local.settings.sample.json')));

    it('is the generated sample (' + REGENERATE + ')', () => {
        expect(existsSync(join(root, 'local.settings.sample.json'))).toBe(true);
        expect(read('local.settings.sample.json')).toBe(renderLocalSettingsSample());
    });

    it('lists every registered setting, as strings', () => {
        for (const s of SETTINGS) expect(typeof sample.Values[s.name], s.name).toBe('string');
        expect(sample.IsEncrypted).toBe(false);
    });

    it('is local-friendly: Azurite storage, node worker, simulated automation, no Azure identity settings', () => {
        expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
        expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
        expect(sample.Values.AUTOMATION_MODE).toBe('simulated');
        expect(sample.Values.ServiceBusConnection__fullyQualifiedNamespace).toBe('');
        expect(sample.Values.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe('');
    });

    it('loads with loadConfig as it is', () => {
        const config = loadConfig(sample.Values);
        expect(config.automation.mode).toBe('simulated');
        expect(config.storage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
        expect([...config.targets.keys()]).toEqual(['connect-01']);
        expect(config.routing.defaultTarget).toBe('connect-01');
    });

    it('uses each documented default where it has one', () => {
        for (const s of SETTINGS.filter((x) => x.default !== undefined && x.name !== 'AUTOMATION_MODE')) {
            expect(sample.Values[s.name], s.name).toBe(s.default);
        }
    });
});
