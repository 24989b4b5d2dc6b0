import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { inCi } from './requiredTool';

/**
 * vitest globalSetup: tests leave the tree as they found it. Records git's view of the working tree (changed and
 * untracked paths with their content hashes; gitignored paths excluded) before the run and compares it after.
 * Under CI a difference fails the run, naming the files; on a person's machine, where an editor may save files
 * during a run, it is a loud warning. .ci/run checks the same after the whole CI run.
 */
const ROOT = resolve(__dirname, '..', '..');

function git(args: readonly string[]): string | null {
    const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return result.status === 0 ? result.stdout : null;
}

/** Changed and untracked paths with a hash of their current content, or null when this is not a git checkout. */
export function treeState(): Map<string, string> | null {
    const status = git(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    if (status === null) return null;
    const entries: { path: string; code: string }[] = [];
    const fields = status.split('\0');
    for (let i = 0; i < fields.length; i += 1) {
        const field = fields[i] ?? '';
        if (field.length < 4) continue;
        const code = field.slice(0, 2);
        entries.push({ path: field.slice(3), code });
        // A rename or copy is followed by its source path as a field of its own.
        if (code.startsWith('R') || code.startsWith('C')) i += 1;
    }
    const present = entries.filter((e) => existsSync(join(ROOT, e.path))).map((e) => e.path);
    const hashes = (present.length === 0 ? '' : (git(['hash-object', '--', ...present]) ?? '')).split('\n');
    const hashOf = new Map(present.map((path, i) => [path, hashes[i] ?? '?']));
    return new Map(entries.map((e) => [e.path, `${e.code} ${hashOf.get(e.path) ?? 'absent'}`]));
}

/** The paths whose state differs between two snapshots. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
    const paths = new Set([...before.keys(), ...after.keys()]);
    return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

export default function setup(): () => void {
    const before = treeState();
    return () => {
        const after = treeState();
        if (before === null || after === null) {
            console.warn('tree guard: not a git checkout, so it cannot check that the tests left the tree alone');
            return;
        }
        const changed = changedPaths(before, after);
        if (changed.length === 0) return;
        const message = `the tests changed the working tree (tests must write only under os.tmpdir() or gitignored paths): ${changed.join(', ')}`;
        if (inCi()) {
            // A throw here is only logged by vitest ("error during close"); the exit code is what fails CI.
            console.error(`FAILED: ${message}`);
            process.exitCode = 1;
            return;
        }
        console.warn(`WARNING (under CI=true this fails the run): ${message}`);
    };
}
