import { type Random, seededRandom } from '../src/adapters/simulatedConnect/random';
import type { ChangeKind } from '../src/domain/change';
import type { SyncPolicy } from '../src/domain/policy';

/** One change event in a trace, as an intake would receive it. */
export interface TraceChange {
    readonly at: number;
    readonly kind: ChangeKind;
    readonly policy: SyncPolicy;
    readonly urgent: boolean;
}

/** A seeded sequence of change events, the same for every strategy. */
export interface Trace {
    readonly name: string;
    readonly description: string;
    /** The seed the trace was drawn from (other seeded draws about the trace derive from it). */
    readonly seed: number;
    readonly start: number;
    readonly end: number;
    /** Sorted by time. */
    readonly changes: readonly TraceChange[];
}

/** Monday 2026-01-05 08:00 UTC: the start of a working day. */
const DAY_START = Date.UTC(2026, 0, 5, 8, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Scale of a trace set: `full` for the bench, `reduced` for the test that proves the bench still works. */
export type TraceScale = 'full' | 'reduced';

function joiner(at: number): TraceChange {
    return { at, kind: 'joiner', policy: 'Delta', urgent: true };
}

function change(at: number, kind: ChangeKind): TraceChange {
    return { at, kind, policy: 'Delta', urgent: false };
}

function uniformTimes(random: Random, count: number, from: number, to: number): number[] {
    return Array.from({ length: count }, () => from + random.int(to - from)).sort((a, b) => a - b);
}

function sorted(changes: TraceChange[]): TraceChange[] {
    return changes.sort((a, b) => a.at - b.at);
}

const OTHER_KINDS: readonly ChangeKind[] = ['attribute', 'mover', 'group', 'leaver', 'password'];

/**
 * HR creates joiners through a working day, among everyday attribute, group and leaver changes.
 * @param seed - the seed
 * @param scale - full or reduced
 */
function joinerTrickle(seed: number, scale: TraceScale): Trace {
    const random = seededRandom(seed);
    const end = DAY_START + 9 * HOUR;
    const joiners = scale === 'full' ? 60 : 12;
    const others = scale === 'full' ? 240 : 40;
    const changes = [
        ...uniformTimes(random, joiners, DAY_START, end).map(joiner),
        ...uniformTimes(random, others, DAY_START, end).map((at) =>
            change(at, OTHER_KINDS[random.int(OTHER_KINDS.length)] ?? 'attribute'),
        ),
    ];
    return {
        name: 'joiner-trickle',
        description: `${joiners} joiners and ${others} other changes over a 9-hour working day`,
        seed,
        start: DAY_START,
        end,
        changes: sorted(changes),
    };
}

/**
 * A script touches many users in ten minutes (one event per user) while HR keeps creating joiners.
 * @param seed - the seed
 * @param scale - full (20,000 changes) or reduced (2,000)
 */
function bulkBurst(seed: number, scale: TraceScale): Trace {
    const random = seededRandom(seed);
    const bulk = scale === 'full' ? 20_000 : 2_000;
    const burstStart = DAY_START + 2 * HOUR;
    const burstEnd = burstStart + 10 * MINUTE;
    const end = DAY_START + 4 * HOUR;
    const joiners = scale === 'full' ? 30 : 10;
    const changes = [
        ...uniformTimes(random, bulk, burstStart, burstEnd).map((at) => change(at, 'attribute')),
        ...uniformTimes(random, joiners, DAY_START + HOUR, end).map(joiner),
    ];
    return {
        name: 'bulk-burst',
        description: `${bulk.toLocaleString('en-US')} attribute changes in 10 minutes, ${joiners} joiners mixed in over 3 hours`,
        seed,
        start: DAY_START,
        end,
        changes: sorted(changes),
    };
}

/**
 * A change every 10–20 seconds for hours (a sync from an HR system that never pauses): no quiet gap, so only
 * the maximum wait closes windows. Every 20th change is a joiner.
 * @param seed - the seed
 * @param scale - full (4 hours) or reduced (1 hour)
 */
function steadyStream(seed: number, scale: TraceScale): Trace {
    const random = seededRandom(seed);
    const end = DAY_START + (scale === 'full' ? 4 : 1) * HOUR;
    const changes: TraceChange[] = [];
    for (let at = DAY_START + random.int(15_000), i = 1; at < end; at += 10_000 + random.int(10_001), i++) {
        changes.push(i % 20 === 0 ? joiner(at) : change(at, 'attribute'));
    }
    return {
        name: 'steady-stream',
        description: `${changes.length} changes, one every 10–20 s for ${scale === 'full' ? 4 : 1} h, every 20th a joiner`,
        seed,
        start: DAY_START,
        end,
        changes,
    };
}

/**
 * A trickle with an operator's full-sync (Initial) request in the middle; joiners keep coming during the long
 * Initial cycle.
 * @param seed - the seed
 * @param scale - full or reduced
 */
function fullSyncInTheMiddle(seed: number, scale: TraceScale): Trace {
    const random = seededRandom(seed);
    const end = DAY_START + 4 * HOUR;
    const joiners = scale === 'full' ? 30 : 10;
    const others = scale === 'full' ? 120 : 30;
    const changes: TraceChange[] = [
        ...uniformTimes(random, joiners, DAY_START, end).map(joiner),
        ...uniformTimes(random, others, DAY_START, end).map((at) => change(at, 'attribute')),
        { at: DAY_START + 2 * HOUR, kind: 'manual', policy: 'Initial', urgent: false },
    ];
    return {
        name: 'full-sync-middle',
        description: `${joiners} joiners and ${others} other changes over 4 h, one Initial (full sync) request at 2 h`,
        seed,
        start: DAY_START,
        end,
        changes: sorted(changes),
    };
}

/**
 * The four traces of the comparison.
 * @param seed - base seed
 * @param scale - full or reduced
 */
export function allTraces(seed: number, scale: TraceScale): Trace[] {
    return [
        joinerTrickle(seed, scale),
        bulkBurst(seed + 1, scale),
        steadyStream(seed + 2, scale),
        fullSyncInTheMiddle(seed + 3, scale),
    ];
}
