import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

import { it, type TestFunction } from 'vitest';

/** One external program a test needs, and how a person gets it. */
export interface RequiredTool {
    /** What the tool is, for messages: "the Bicep CLI", "pwsh with Pester 5.7.1". */
    readonly name: string;
    /** Where it was found, or null when it is missing. */
    readonly path: string | null;
    /** Why it is missing (the install script's own reason), when known. */
    readonly missingBecause?: string;
    /** The command that installs it, from the project's own files. */
    readonly install: string;
}

/** True when running in CI: there a missing tool is a failure, not a skip (a check that skips in CI does not exist). */
export const inCi = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** The first executable among `candidates` (absolute paths, or bare names looked up on PATH), or null. */
export function findExecutable(...candidates: readonly string[]): string | null {
    for (const candidate of candidates) {
        const paths = candidate.includes('/')
            ? [candidate]
            : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, candidate));
        for (const path of paths) {
            try {
                accessSync(path, constants.X_OK);
                return path;
            } catch {
                // not here; try the next
            }
        }
    }
    return null;
}

function missingMessage(tool: RequiredTool): string {
    const because = tool.missingBecause === undefined ? '' : ` (${tool.missingBecause})`;
    return `${tool.name} is not installed${because}; install it with: ${tool.install}`;
}

/**
 * `it`, for a test that needs an external tool. With the tool present the test runs. Without it, under CI the
 * test runs and fails with the reason and the install command; on a person's machine it is skipped, the skip
 * says why in its title, and a warning names the command that installs the tool.
 */
export function itWithTool(tool: RequiredTool, name: string, fn: TestFunction, timeout?: number): void {
    if (tool.path !== null) {
        it(name, fn, timeout);
        return;
    }
    const message = missingMessage(tool);
    if (inCi()) {
        it(name, () => {
            throw new Error(`required in CI: ${message}`);
        });
        return;
    }
    console.warn(`SKIPPED (not in CI): ${name}: ${message}`);
    it.skip(`${name} (SKIPPED: ${message})`, fn, timeout);
}
