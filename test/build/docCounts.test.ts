import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * Figures the docs give about the test suites, recounted from what the documented command collects (`vitest list`
 * runs no test, it only collects them), so a doc cannot keep a count the suite has left behind.
 */
const root = join(__dirname, '..', '..');

/** The number of tests `vitest list` collects in each of `files`, in their order. */
function testsPerFile(files: readonly string[]): number[] {
    const dir = mkdtempSync(join(tmpdir(), 'vitest-list-'));
    try {
        const out = join(dir, 'list.json');
        // The child is a vitest of its own: nothing of this run's worker environment may leak into it.
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
        const listed = spawnSync('npx', ['vitest', 'list', `--json=${out}`, ...files], {
            cwd: root,
            encoding: 'utf8',
            env,
            timeout: 120_000,
        });
        expect(listed.status, listed.stderr).toBe(0);
        const tests = z
            .array(z.object({ name: z.string(), file: z.string() }))
            .parse(JSON.parse(readFileSync(out, 'utf8')));
        return files.map((file) => tests.filter((t) => relative(root, t.file) === file).length);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe('docs/RELIABILITY.md counts what its commands run', () => {
    const doc = readFileSync(join(root, 'docs', 'RELIABILITY.md'), 'utf8');

    it('the hardening corpus: the "N + M tests" of its table row, and the corpus count in its section', () => {
        const row = /^\| Hardening corpus \| `npx vitest run ([^`]+)` \| (\d+) \+ (\d+) (?:tests|cases)\b/m.exec(doc);
        expect(row, 'the Hardening corpus row of "How to run"').not.toBeNull();
        const files = (row?.[1] ?? '').split(' ');
        expect(files).toEqual([
            'test/transports/http/hardening.test.ts',
            'test/transports/formats/badInput.corpus.test.ts',
        ]);
        const counted = testsPerFile(files);
        expect([Number(row?.[2]), Number(row?.[3])]).toEqual(counted);

        const section = /adds to the ([\d,]+) HTTP (?:tests|cases) of `badInput\.corpus\.test\.ts`/.exec(doc);
        expect(section, 'the first sentence of "The hardening corpus"').not.toBeNull();
        expect(Number((section?.[1] ?? '').replace(/,/g, ''))).toBe(counted[1]);
    }, 150_000);
});
