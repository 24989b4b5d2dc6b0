import { join } from 'node:path';

/**
 * Where a bench writes what it measured. Only `npm run bench` (bench/index.ts) points this at the project's own
 * folders; a test that runs a bench's `main` passes a directory under os.tmpdir(), so a test run never rewrites
 * a tracked file.
 */
export interface BenchOutput {
    /** Folder for raw results: bench/results under `npm run bench`. */
    readonly resultsDir: string;
    /** The docs file whose generated section a bench may replace: docs/BENCHMARKS.md under `npm run bench`. */
    readonly benchmarksDoc: string;
}

/** The project's own result folder and docs file: for `npm run bench` only. */
export function projectBenchOutput(): BenchOutput {
    const root = join(__dirname, '..');
    return { resultsDir: join(root, 'bench', 'results'), benchmarksDoc: join(root, 'docs', 'BENCHMARKS.md') };
}
