/*
 * `npm run chaos`: the larger chaos suite (issue 8). Same world as test/chaos/chaos.test.ts, more seeds.
 * Usage: tsx scripts/chaos.ts [seeds=2000] [azuriteEvery=5] [firstSeed=1]. Exits 1 on any violation.
 */
import { formatTotals, runSeeds } from '../test/chaos/chaosSuite';
import { startAzuriteTables } from '../test/support/azurite';

async function main(): Promise<void> {
    const [seeds = '2000', azuriteEvery = '5', firstSeed = '1'] = process.argv.slice(2);
    const started = Date.now();
    const azurite = await startAzuriteTables();
    try {
        const totals = await runSeeds(Number(firstSeed), Number(seeds), azurite, Number(azuriteEvery));
        console.log(formatTotals(totals));
        console.log(`chaos: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (totals.violations.length > 0) process.exitCode = 1;
    } finally {
        await azurite.stop();
    }
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
