import { spawnSync } from 'node:child_process';
import {
    appendFileSync,
    cpSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run check:dead` (knip, a step of .ci/run) run on a scratch copy of the project with dead code planted in it:
 * the check must fail and name exactly what was planted, and must not name an export that only a test imports
 * (tests are entry points). The copy shares node_modules through a symlink; nothing is written to the tree.
 */
const ROOT = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'dead-code-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What knip reads: the sources, the entries it is configured with, and the configs its plugins load. */
const COPIED = [
    'src',
    'functions',
    'scripts',
    'bench',
    'infra/hooks',
    'test',
    'package.json',
    'tsconfig.json',
    'knip.jsonc',
    'vitest.config.mts',
    'eslint.config.mjs',
    // knip skips gitignored paths: without it, the missing dist/index.js (package.json `main`) becomes a hint.
    '.gitignore',
];

/** The arguments of the `check:dead` npm script, so this test runs exactly what CI runs. */
function checkDeadArgs(): string[] {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [bin, ...args] = (pkg.scripts['check:dead'] ?? '').split(' ');
    expect(bin).toBe('knip');
    return args;
}

/** `Unused exports (2)` followed by `path: name, name` lines → { 'Unused exports': ['path: name, name'] }. */
function sections(report: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    let current: string[] | undefined;
    for (const line of report.split('\n')) {
        const heading = /^([A-Z][A-Za-z ]+) \(\d+\)$/.exec(line);
        if (heading?.[1] !== undefined) {
            current = out[heading[1]] = [];
        } else if (line.trim() !== '') {
            current?.push(line.trim());
        }
    }
    return out;
}

describe('the dead-code check (npm run check:dead)', () => {
    it('fails on an unused file, export and exported type, and keeps an export a test imports', () => {
        const copy = join(scratch, 'project');
        mkdirSync(copy);
        for (const path of COPIED) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');

        appendFileSync(
            join(copy, 'src/domain/routing.ts'),
            [
                '',
                'export const plantedUnusedExport = 1;',
                'export type PlantedUnusedType = string;',
                'export const plantedUsedByTestOnly = 2;',
                '',
            ].join('\n'),
        );
        writeFileSync(join(copy, 'src/domain/plantedOrphan.ts'), 'export const orphan = 3;\n');
        writeFileSync(
            join(copy, 'test/domain/planted.test.ts'),
            [
                "import { expect, it } from 'vitest';",
                '',
                "import { plantedUsedByTestOnly } from '../../src/domain/routing';",
                '',
                "it('reads it', () => expect(plantedUsedByTestOnly).toBe(2));",
                '',
            ].join('\n'),
        );

        const run = spawnSync(
            process.execPath,
            [join(ROOT, 'node_modules/knip/bin/knip.js'), ...checkDeadArgs(), '--reporter', 'compact', '--no-progress'],
            { cwd: copy, encoding: 'utf8' },
        );

        expect(run.status, run.stderr).toBe(1);
        expect(run.stderr).toBe('');
        expect(sections(run.stdout)).toEqual({
            'Unused files': ['src/domain/plantedOrphan.ts: src/domain/plantedOrphan.ts'],
            'Unused exports': ['src/domain/routing.ts: plantedUnusedExport'],
            'Unused exported types': ['src/domain/routing.ts: PlantedUnusedType'],
        });
    });
});
