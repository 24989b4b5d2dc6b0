/**
 * `npm run bench -- <name> [args]`: one entry per benchmark. Each module exports `main(args)` and is loaded
 * only when asked for, so one bench's imports never slow another down.
 */
const BENCHES: Readonly<Record<string, () => Promise<{ main(args: readonly string[]): Promise<void> }>>> = {
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
        await (await load()).main(name === undefined ? [] : args);
    }
}

run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
