import type { AzuriteTables } from '../support/azurite';
import { type ChaosResult, EXCUSED_KINDS, FAULT_KINDS, type FaultKind, runChaos } from './chaosWorld';

/** Totals over many seeded chaos runs. */
export interface ChaosTotals {
    runs: number;
    azuriteRuns: number;
    invariantsChecked: number;
    /** Jobs created while another job of the target was in flight (queued behind it). */
    queuedJobs: number;
    /** Runs that carried changes they did not cover to a later run. */
    carriedRuns: number;
    readonly faults: Map<FaultKind, number>;
    readonly violations: { seed: number; store: string; problem: string }[];
}

export function emptyTotals(): ChaosTotals {
    return {
        runs: 0,
        azuriteRuns: 0,
        invariantsChecked: 0,
        queuedJobs: 0,
        carriedRuns: 0,
        faults: new Map(),
        violations: [],
    };
}

function addResult(totals: ChaosTotals, result: ChaosResult): void {
    totals.runs++;
    if (result.store === 'azurite') totals.azuriteRuns++;
    totals.invariantsChecked += result.invariantsChecked;
    totals.queuedJobs += result.queuedJobs;
    totals.carriedRuns += result.carriedRuns;
    for (const [kind, n] of result.faults) totals.faults.set(kind, (totals.faults.get(kind) ?? 0) + n);
    for (const problem of result.violations)
        totals.violations.push({ seed: result.seed, store: result.store, problem });
}

/**
 * Runs seeds `first..first+count-1`; every `azuriteEvery`-th seed uses the Table store on Azurite.
 * @param azurite - the running Azurite, or null for memory only
 */
export async function runSeeds(
    first: number,
    count: number,
    azurite: AzuriteTables | null,
    azuriteEvery: number,
    totals: ChaosTotals = emptyTotals(),
): Promise<ChaosTotals> {
    for (let seed = first; seed < first + count; seed++) {
        const onAzurite = azurite !== null && (seed - first) % azuriteEvery === 0;
        addResult(totals, await runChaos({ seed, ...(onAzurite ? { azurite } : {}) }));
    }
    return totals;
}

/** The summary lines the suite prints. */
export function formatTotals(totals: ChaosTotals): string {
    const injected = FAULT_KINDS.filter((k) => !EXCUSED_KINDS.has(k));
    const faultTotal = injected.reduce((sum, k) => sum + (totals.faults.get(k) ?? 0), 0);
    const lines = [
        `chaos: ${totals.runs} runs (${totals.azuriteRuns} on Azurite Table store, ${totals.runs - totals.azuriteRuns} on memory stores)`,
        `chaos: ${faultTotal} faults injected`,
        ...injected.map((k) => `  ${k}: ${totals.faults.get(k) ?? 0}`),
        `chaos: ${totals.faults.get('stopNotConfirmedOverlap') ?? 0} overlaps excused (stop not confirmed within stopGrace; see docs/RELIABILITY.md)`,
        `chaos: ${totals.faults.get('unknownJobExcused') ?? 0} jobs in flight excused (created, but the answer was lost and the run ended StartFailed)`,
        `chaos: ${totals.faults.get('coveredWithinSkew') ?? 0} requests covered only within the instance clock skew (maxSkewMs)`,
        `chaos: ${totals.queuedJobs} jobs queued behind a job in flight, ${totals.carriedRuns} runs carried changes to a later run`,
        `chaos: ${totals.invariantsChecked} invariants checked`,
        `chaos: ${totals.violations.length} violations`,
        ...totals.violations.slice(0, 20).map((v) => `  seed ${v.seed} (${v.store}): ${v.problem}`),
    ];
    return lines.join('\n');
}
