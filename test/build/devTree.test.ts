import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * A newcomer's machine, whatever Node it had: README's first commands reach a supported Node, npm refuses any other,
 * and the dev tree has nothing that a switch of Node would leave built for the old one (issue 25 item 18).
 */
const root = join(__dirname, '..', '..');

/**
 * The environment of a shell a person opens: npm hands its configuration to what it runs as `npm_config_*` (this
 * repository's engine-strict among it, when vitest was started through npm or npx), which such a shell has not.
 */
const shellEnv = (): NodeJS.ProcessEnv =>
    Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));

const manifestSchema = z.object({
    name: z.string(),
    version: z.string(),
    engines: z.object({ node: z.string() }),
    dependencies: z.record(z.string(), z.string()),
    devDependencies: z.record(z.string(), z.string()),
});
const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));

describe('the dev tree', () => {
    it('holds no native addon compiled for one Node ABI (a binding.gyp: node-gyp builds it at install)', () => {
        const lock = z
            .object({ packages: z.record(z.string(), z.object({ version: z.string().optional() })) })
            .parse(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')));
        const installed = Object.keys(lock.packages).filter((path) => path !== '' && existsSync(join(root, path)));
        expect(installed.length).toBeGreaterThan(500);
        const native = installed.filter((path) => {
            if (existsSync(join(root, path, 'binding.gyp'))) return true;
            const pkg = z
                .object({ gypfile: z.boolean().optional() })
                .parse(JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')));
            return pkg.gypfile === true;
        });
        expect(native).toEqual([]);
    });

    it('npm run sbom writes a CycloneDX 1.6 JSON, valid by its schema, of the packages in the deployed bundle', async () => {
        const run = spawnSync('npm', ['run', '-s', 'sbom'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
        expect(run.status, run.stderr).toBe(0);
        const text = readFileSync(join(root, 'test-results', 'bom.json'), 'utf8');
        // The schema check of the CycloneDX library itself, independent of the generator's own.
        const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
        await expect(validator.validate(text)).resolves.toBeNull();

        const bom = z
            .object({
                bomFormat: z.literal('CycloneDX'),
                specVersion: z.literal('1.6'),
                metadata: z.object({ component: z.object({ name: z.string(), version: z.string() }) }),
                components: z.array(
                    z.object({ name: z.string(), group: z.string().optional(), version: z.string(), purl: z.string() }),
                ),
            })
            .parse(JSON.parse(text));
        expect(bom.metadata.component).toMatchObject({ name: manifest.name, version: manifest.version });
        const names = new Set(bom.components.map((c) => (c.group === undefined ? c.name : `${c.group}/${c.name}`)));
        // Every production dependency has code in the bundle; no dev tool does.
        expect(Object.keys(manifest.dependencies).filter((name) => !names.has(name))).toEqual([]);
        const devOnly = ['vitest', 'typescript', 'eslint', 'esbuild', 'azurite', 'playwright-core', 'knip'];
        expect(devOnly.filter((name) => names.has(name))).toEqual([]);
        expect(bom.components.every((c) => c.purl.startsWith('pkg:npm/'))).toBe(true);
    }, 150_000);
});

describe("README's first commands", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const lines = firstBlock
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '').trim())
        .filter((line) => line !== '');

    it('put a supported Node first on PATH, before npm install, from whatever Node the machine has', () => {
        const installNode = lines.findIndex((line) => line.includes('scripts/install-node.sh'));
        expect(installNode, firstBlock).toBeGreaterThanOrEqual(0);
        expect(installNode).toBeLessThan(lines.indexOf('npm install'));

        // The machine's PATH without the runtimes installed here: its own node (Node 20 on this project's machines),
        // or none at all; the machine's npm is what install-node.sh needs.
        const machinePath = (process.env.PATH ?? '')
            .split(delimiter)
            .filter((dir) => !dir.includes(join('.tools', 'node')))
            .join(delimiter);
        const shell = spawnSync('bash', ['-c', `${lines[installNode] ?? ''} && node --version`], {
            cwd: root,
            encoding: 'utf8',
            env: { ...shellEnv(), PATH: machinePath },
            timeout: 240_000,
        });
        expect(shell.status, shell.stderr).toBe(0);
        const [major = 0, minor = 0] = /^v(\d+)\.(\d+)\./.exec(shell.stdout.trim())?.slice(1).map(Number) ?? [];
        // engines: ^22.15.0 || ^24.0.0
        expect(manifest.engines.node).toBe('^22.15.0 || ^24.0.0');
        expect(major === 24 || (major === 22 && minor >= 15), shell.stdout).toBe(true);
    }, 300_000);

    it('npm install refuses a Node outside engines (.npmrc engine-strict) instead of installing for it', () => {
        const dir = mkdtempSync(join(tmpdir(), 'engine-strict-'));
        try {
            // A project that no Node satisfies, with and without the repository's .npmrc: only npm's answer differs.
            writeFileSync(
                join(dir, 'package.json'),
                JSON.stringify({ name: 'engine-probe', version: '1.0.0', engines: { node: '>=99' } }),
            );
            const install = () =>
                spawnSync('npm', ['install', '--dry-run', '--no-audit', '--no-fund'], {
                    cwd: dir,
                    encoding: 'utf8',
                    env: shellEnv(),
                });
            expect(install().status).toBe(0);
            copyFileSync(join(root, '.npmrc'), join(dir, '.npmrc'));
            const refused = install();
            expect(refused.status).not.toBe(0);
            expect(refused.stderr).toContain('EBADENGINE');
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
