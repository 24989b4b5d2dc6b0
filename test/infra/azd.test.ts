/**
 * azd: azure.yaml against azd's published schema, azd's remoteBuild rule for a js Function App, and the package azd
 * uploads, computed the way azd computes it (Azure/azure-dev, cli/azd/pkg/project: service_target_functionapp.go
 * resolveFunctionAppRemoteBuild, framework_service_node.go Package, project_utils.go createDeployableZip), from a
 * real bundle staged by the real hook script, all under os.tmpdir().
 */
import { spawnSync } from 'node:child_process';
import {
    existsSync,
    lstatSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

import Ajv2019 from 'ajv/dist/2019';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import ignore from 'ignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const REPO_ROOT = resolve(__dirname, '..', '..');
const SCHEMA_DIR = join(REPO_ROOT, 'test', 'fixtures', 'azd-schema');
const EXTENSION_SCHEMA_BASE = 'https://raw.githubusercontent.com/Azure/azure-dev/main/cli/azd/extensions/';
/** The schemas azure.yaml.json `$ref`s by URL, directly or through each other, by their file here (README.md there). */
const EXTENSION_SCHEMAS: Readonly<Record<string, string>> = {
    'azure.ai.agent.json': 'azure.ai.agents/schemas/azure.ai.agent.json',
    'microsoft.foundry.json': 'azure.ai.agents/schemas/microsoft.foundry.json',
    'azure.ai.project.json': 'azure.ai.projects/schemas/azure.ai.project.json',
    'azure.ai.connection.json': 'azure.ai.connections/schemas/azure.ai.connection.json',
    'azure.ai.toolbox.json': 'azure.ai.toolboxes/schemas/azure.ai.toolbox.json',
    'azure.ai.skill.json': 'azure.ai.skills/schemas/azure.ai.skill.json',
    'azure.ai.routine.json': 'azure.ai.routines/schemas/azure.ai.routine.json',
    // microsoft.foundry.json refers to these by relative path, and they to FileRef.json.
    ...Object.fromEntries(
        ['Agent', 'Connection', 'Deployment', 'FileRef', 'Routine', 'Skill', 'Toolbox'].map((name) => [
            `${name}.json`,
            `azure.ai.agents/schemas/${name}.json`,
        ]),
    ),
};

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** azd's schema for azure.yaml as a validator (draft 2019-09; the extension schemas it references are draft-07). */
function azureYamlValidator() {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    ajv.addMetaSchema(draft07);
    // The only format the schemas use (AI-extension URLs); checked for real rather than ignored with a warning.
    ajv.addFormat('uri', (value: string) => URL.canParse(value));
    for (const [file, path] of Object.entries(EXTENSION_SCHEMAS)) {
        const schema = readJson(join(SCHEMA_DIR, file));
        if (typeof schema !== 'object' || schema === null) throw new Error(`${file} is not a schema`);
        // Registered under the URL azure.yaml.json uses, whether or not the file declares it as its $id.
        if (Reflect.get(schema, '$id') === undefined) ajv.addSchema(schema, `${EXTENSION_SCHEMA_BASE}${path}`);
        else ajv.addSchema(schema);
    }
    const main = readJson(join(SCHEMA_DIR, 'azure.yaml.json'));
    if (typeof main !== 'object' || main === null) throw new Error('azure.yaml.json is not a schema');
    return ajv.compile(main);
}

const azureYamlText = readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8');
const azureYaml: unknown = parseYaml(azureYamlText);
const service = z
    .object({
        services: z.object({
            api: z.object({
                project: z.string(),
                language: z.string(),
                host: z.string(),
                dist: z.string().optional(),
                remoteBuild: z.boolean().optional(),
            }),
        }),
    })
    .parse(azureYaml).services.api;

type RemoteBuild = { readonly remoteBuild: boolean } | { readonly error: string };

/**
 * azd's resolveFunctionAppRemoteBuild for a js/ts service (it runs when deploying to a Flex Consumption app): the
 * project's .funcignore decides whether node_modules is excluded; remoteBuild unset follows that; remoteBuild set
 * against it is refused ("'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules").
 */
function resolveRemoteBuild(funcignore: string | null, remoteBuild: boolean | undefined): RemoteBuild {
    if (funcignore === null) return { remoteBuild: remoteBuild ?? true };
    const nodeModulesExcluded = ignore().add(funcignore).ignores('node_modules/');
    if (remoteBuild === undefined) return { remoteBuild: nodeModulesExcluded };
    if (remoteBuild && !nodeModulesExcluded) return { error: "'remoteBuild: true' requires excluding node_modules" };
    if (!remoteBuild && nodeModulesExcluded) return { error: "'remoteBuild: false' cannot be used when excluding" };
    return { remoteBuild };
}

/**
 * The files azd's createDeployableZip puts in the zip of `root` for a js Function App: it drops `.azure/`
 * directories, the ignore file itself and local.settings.json; then, with a `.funcignore` in `root`, whatever it
 * ignores (gitignore rules; an ignored directory is not descended into); without one, node_modules unless
 * remoteBuild is false. Paths are relative, with `/`, sorted.
 */
function azdZipEntries(root: string, remoteBuild: boolean): string[] {
    const funcignorePath = join(root, '.funcignore');
    const ignorer = existsSync(funcignorePath) ? ignore().add(readFileSync(funcignorePath, 'utf8')) : null;
    const entries: string[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
            const path = join(dir, entry.name);
            const isDir = lstatSync(path).isDirectory();
            const rel = relative(root, path).split('\\').join('/');
            if (entry.name === '.azure' && isDir) continue;
            if (entry.name === '.funcignore' && !isDir) continue;
            if (entry.name === 'local.settings.json' && !isDir) continue;
            if (ignorer !== null) {
                if (ignorer.ignores(isDir ? `${rel}/` : rel)) continue;
            } else if (entry.name === 'node_modules' && isDir && remoteBuild) continue;
            if (isDir) walk(path);
            else entries.push(rel);
        }
    };
    walk(root);
    return entries.sort();
}

/** Anything that must never be uploaded: secrets, local state, tools, dependencies, sources. */
const FORBIDDEN = [
    /(^|\/)local\.settings\.json$/,
    /(^|\/)\.env(\.|$)/,
    /(^|\/)\.azure\//,
    /(^|\/)\.tools\//,
    /(^|\/)\.git\//,
    /(^|\/)node_modules\//,
    /(^|\/)(src|functions|test|scripts|infra|bench)\//,
    /\.ts$/,
];

describe('azure.yaml against azd’s published schema (test/fixtures/azd-schema, Azure/azure-dev)', () => {
    const validate = azureYamlValidator();

    it('is valid', () => {
        const valid = validate(azureYaml);
        expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
        expect(valid).toBe(true);
    });

    it('the validator rejects what azd would reject (a wrong type, an unknown host, a bad name)', () => {
        const isRecord = (v: unknown): v is Record<string, unknown> =>
            typeof v === 'object' && v !== null && !Array.isArray(v);
        // Edits a fresh parse in place (a schema library's parse would return a copy and leave it untouched).
        const validAfter = (edit: (doc: Record<string, unknown>, api: Record<string, unknown>) => void): boolean => {
            const doc: unknown = parseYaml(azureYamlText);
            if (!isRecord(doc) || !isRecord(doc.services) || !isRecord(doc.services.api)) throw new Error('shape');
            edit(doc, doc.services.api);
            return validate(doc);
        };
        expect(validAfter(() => undefined)).toBe(true);
        expect(validAfter((_doc, api) => (api.remoteBuild = 'no'))).toBe(false);
        expect(validAfter((_doc, api) => (api.host = 'functions'))).toBe(false);
        expect(validAfter((doc) => (doc.name = 'Entra Sync'))).toBe(false);
    });
});

describe('azd’s remoteBuild rule (js Function App on Flex Consumption)', () => {
    const rootFuncignore = existsSync(join(REPO_ROOT, '.funcignore'))
        ? readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8')
        : null;

    it('resolves to no remote build, without the error azd 1.23.12+ raised for the old .funcignore', () => {
        expect(service).toMatchObject({ project: '.', language: 'js', host: 'function', remoteBuild: false });
        expect(resolveRemoteBuild(rootFuncignore, service.remoteBuild)).toEqual({ remoteBuild: false });
    });

    it('is the rule that refused the previous setup (remoteBuild: false with node_modules in .funcignore)', () => {
        // The .funcignore this project had, in the part that matters to the rule.
        const oldFuncignore = [
            '.git*',
            'local.settings.json',
            'src',
            'functions',
            'node_modules',
            'dist/*',
            '!dist/index.js',
        ].join('\n');
        expect(resolveRemoteBuild(oldFuncignore, false)).toHaveProperty('error');
        expect(resolveRemoteBuild(oldFuncignore, undefined)).toEqual({ remoteBuild: true });
        expect(resolveRemoteBuild(null, undefined)).toEqual({ remoteBuild: true });
    });
});

describe('the package azd uploads (services.api.dist, staged by the prepackage hook)', () => {
    let work = '';
    let staged = '';
    let bundle = '';

    beforeAll(() => {
        work = mkdtempSync(join(tmpdir(), 'entra-sync-azd-'));
        bundle = join(work, 'bundle', 'index.js');
        // The real bundle (npm run build:bundle), written outside the tree; then the hook's own staging script.
        const build = spawnSync('npm', ['run', '--silent', 'build:bundle', '--', `--outfile=${bundle}`], {
            cwd: REPO_ROOT,
            encoding: 'utf8',
        });
        if (build.status !== 0) throw new Error(`build:bundle failed: ${build.stderr}`);
        staged = join(work, 'azd-package');
        const stage = spawnSync(
            process.execPath,
            ['infra/hooks/stage-package.mjs', '--bundle', bundle, '--out', staged],
            { cwd: REPO_ROOT, encoding: 'utf8' },
        );
        if (stage.status !== 0) throw new Error(`stage-package.mjs failed: ${stage.stderr}`);
    }, 120_000);

    afterAll(() => {
        if (work !== '') rmSync(work, { recursive: true, force: true });
    });

    it('azure.yaml points azd at the directory the hooks stage, and both hooks stage it after the build', () => {
        expect(service.dist).toBe('dist/azd-package');
        const script = readFileSync(join(REPO_ROOT, 'infra', 'hooks', 'stage-package.mjs'), 'utf8');
        expect(script).toContain("join(root, 'dist', 'azd-package')");
        for (const hook of ['prepackage.sh', 'prepackage.ps1']) {
            const text = readFileSync(join(REPO_ROOT, 'infra', 'hooks', hook), 'utf8');
            const build = text.indexOf('npm run build');
            const stage = text.indexOf('node infra/hooks/stage-package.mjs');
            expect(build, hook).toBeGreaterThan(0);
            expect(stage, hook).toBeGreaterThan(build);
        }
        // dist/ is gitignored, so staging never dirties the tree.
        expect(
            spawnSync('git', ['check-ignore', '-q', 'dist/azd-package/package.json'], { cwd: REPO_ROOT }).status,
        ).toBe(0);
    });

    it('holds exactly host.json, package.json and the bundle package.json names as main', () => {
        const entries = azdZipEntries(staged, service.remoteBuild ?? true);
        expect(entries).toEqual(['dist/index.js', 'host.json', 'package.json']);
        const pkg = z
            .object({ main: z.string(), scripts: z.unknown(), dependencies: z.unknown() })
            .partial({ scripts: true, dependencies: true })
            .parse(readJson(join(staged, 'package.json')));
        expect(pkg.main).toBe('dist/index.js');
        expect(entries).toContain(pkg.main);
        // Nothing to install or build on the server: every dependency is inside the bundle.
        expect(pkg.scripts).toBeUndefined();
        expect(pkg.dependencies).toBeUndefined();
        // Buffer.equals: a 15 MB toEqual is slow, and its diff on failure would be useless.
        expect(readFileSync(join(staged, pkg.main)).equals(readFileSync(bundle)), 'staged bundle = built bundle').toBe(
            true,
        );
        expect(readFileSync(join(staged, 'host.json'), 'utf8')).toBe(
            readFileSync(join(REPO_ROOT, 'host.json'), 'utf8'),
        );
        for (const entry of entries) for (const pattern of FORBIDDEN) expect(entry).not.toMatch(pattern);
    });

    it('would show a leak: azd’s rules drop local.settings.json and .azure/, but not node_modules without remote build', () => {
        const leaky = join(work, 'leaky');
        rmSync(leaky, { recursive: true, force: true });
        mkdirSync(join(leaky, '.azure', 'env'), { recursive: true });
        mkdirSync(join(leaky, 'node_modules', 'x'), { recursive: true });
        writeFileSync(join(leaky, 'host.json'), '{}');
        writeFileSync(join(leaky, 'local.settings.json'), '{}');
        writeFileSync(join(leaky, '.azure', 'env', '.env'), 'SECRET=1');
        writeFileSync(join(leaky, 'node_modules', 'x', 'index.js'), '');
        const entries = azdZipEntries(leaky, false);
        expect(entries).toEqual(['host.json', 'node_modules/x/index.js']);
        expect(entries.some((e) => FORBIDDEN.some((p) => p.test(e)))).toBe(true);
    });
});
