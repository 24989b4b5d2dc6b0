import { type BenchOutput, projectBenchOutput } from './output';

/**
 * `npm run bench -- <name> [args]`: one entry per benchmark. Each module exports `main(args, output)` and is
 * loaded only when asked for, so one bench's imports never slow another down. This is the one place that lets a
 * bench write into bench/results and docs/BENCHMARKS.md; tests hand `main` a temporary directory instead.
 */
type BenchMain = (args: readonly string[], output: BenchOutput) => Promise<void>;
const BENCHES: Readonly<Record<string, () => Promise<{ main: BenchMain }>>> = {
    compare: () => import('./compare.js'),
    engine: () => import('./engine.js'),
    throughput: () => import('./throughput.js'),
};

async function run(): Promise<void> {
    const [name, ...args] = process.argv.slice(2).filter((a) => a !== '--');
    const names = Object.keys(BENCHES);
    const selected = name === undefined ? names : [name];
    for (const bench of selected) {
        const load = BENCHES[bench];
        if (load === undefined) {
            console.error(`Unknown bench "${bench}". Known: ${names.join(', ')}`);
            process.exitCode = 2;
            return;
        }
        console.log(`\n# bench: ${bench}\n`);
        await (await load()).main(name === undefined ? [] : args, projectBenchOutput());
    }
}

run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
