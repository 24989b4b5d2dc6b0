import { CHANGE_KINDS, type KindCounts } from './change';
import { strongerPolicy, type SyncPolicy } from './policy';

/**
 * What a set of changes adds up to: the one value a window, a run, a group of joined changes and a finished run
 * count with. Adding two tallies is what merging means; subtracting is what carrying changes on means.
 */
export interface Tally {
    /** Initial wins: a set holding one Initial change is an Initial. */
    readonly policy: SyncPolicy;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly requestCount: number;
    readonly kinds: KindCounts;
    /** The first urgent change among them, if any: its window closes no later than this plus `urgentMaxWait`. */
    readonly firstUrgentAt: number | null;
}

/** One request's changes, as the engine is given them. */
export interface RequestChanges {
    readonly policy: SyncPolicy;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly kinds: KindCounts;
}

/**
 * The tally of one request that arrived at `now`.
 * @param changes - the request's changes
 * @param now - when they arrived
 */
export function tallyOf(changes: RequestChanges, now: number): Tally {
    return {
        policy: changes.policy,
        changeCount: changes.changeCount,
        urgentCount: changes.urgentCount,
        requestCount: 1,
        kinds: changes.kinds,
        firstUrgentAt: changes.urgentCount > 0 ? now : null,
    };
}

/**
 * Both tallies as one.
 * @param a - one tally
 * @param b - another
 */
export function addTally(a: Tally, b: Tally): Tally {
    const kinds: KindCounts = { ...a.kinds };
    for (const kind of CHANGE_KINDS) {
        const add = b.kinds[kind] ?? 0;
        if (add > 0) kinds[kind] = (kinds[kind] ?? 0) + add;
    }
    return {
        policy: strongerPolicy(a.policy, b.policy),
        changeCount: a.changeCount + b.changeCount,
        urgentCount: a.urgentCount + b.urgentCount,
        requestCount: a.requestCount + b.requestCount,
        kinds,
        firstUrgentAt: earliest(a.firstUrgentAt, b.firstUrgentAt),
    };
}

/**
 * What is left of `whole` once `part`, taken out of it, is gone. Policy and first urgent change stay the whole's:
 * the cycle that ran with them already ran.
 * @param whole - the tally something was taken from
 * @param part - what was taken
 */
export function subtractTally(whole: Tally, part: Tally): Tally {
    const kinds: KindCounts = {};
    for (const kind of CHANGE_KINDS) {
        const left = (whole.kinds[kind] ?? 0) - (part.kinds[kind] ?? 0);
        if (left > 0) kinds[kind] = left;
    }
    return {
        ...whole,
        changeCount: whole.changeCount - part.changeCount,
        urgentCount: whole.urgentCount - part.urgentCount,
        requestCount: whole.requestCount - part.requestCount,
        kinds,
    };
}

function earliest(a: number | null, b: number | null): number | null {
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
}
