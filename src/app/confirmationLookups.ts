import {
    afterAnswer,
    isDueForLookup,
    type LookupRetryPolicy,
    type ObjectAnswer,
    type ObjectChunk,
    type ObjectProgress,
} from '../domain/confirmationProgress';
import type { DirectoryObjectRef, LookupFailure, LookupRound } from '../domain/entraConfirmation';
import type { Directory, DirectoryAnswer } from '../ports/directory';

/**
 * What one timer pass may still spend on directory lookups, over all records. A throttled, unavailable or refusing
 * directory halts the pass: the rest waits for the objects' own back-off, never hammering a directory that said no.
 */
export interface LookupPass {
    left: number;
    halted: boolean;
    requests: number;
    calls: number;
}

/** Failures that concern the directory as a whole, not the objects asked about. */
const HALTING: ReadonlySet<LookupFailure> = new Set(['throttled', 'unavailable', 'forbidden']);

/** An object due for lookup: where it sits, what it is, how often it failed. */
interface DueObject {
    readonly chunk: number;
    readonly index: number;
    readonly ref: DirectoryObjectRef;
    readonly failures: number;
}

/** What looking a record's due objects up did. */
export interface LookedUp {
    /** The chunks whose progress changed (to be saved), with their stored etags. */
    readonly changed: readonly ObjectChunk[];
    /** Every chunk, with the new progress. */
    readonly all: readonly ObjectChunk[];
    /** Objects found now (for VisibleInEntra once saved). */
    readonly found: readonly DirectoryObjectRef[];
    /** Directory requests this record spent. */
    readonly spent: number;
    /** Objects still due now (the share or the pass budget ended first, or the pass halted). */
    readonly stillDue: number;
}

/**
 * Groups the due objects for one call. Objects not failing go together (the directory packs them, 15 per request
 * for Graph); an object that failed `f` times goes with fewer others each time (`refsPerRequest / 2^f`), so one
 * object whose lookup keeps failing is alone after a few tries and never drags others with it.
 */
function groupsOf(due: readonly DueObject[], refsPerRequest: number): DueObject[][] {
    const groups: DueObject[][] = [];
    let current: DueObject[] = [];
    let size = Number.POSITIVE_INFINITY;
    for (const o of due) {
        const wanted =
            o.failures === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(refsPerRequest / 2 ** o.failures));
        if (current.length > 0 && (wanted !== size || current.length >= wanted)) {
            groups.push(current);
            current = [];
        }
        size = wanted;
        current.push(o);
    }
    if (current.length > 0) groups.push(current);
    return groups;
}

function objectAnswerOf(answer: DirectoryAnswer | undefined, sent: boolean): ObjectAnswer {
    if (answer === undefined) return { kind: 'notAsked' };
    switch (answer.kind) {
        case 'found':
            return { kind: 'found', synced: answer.user.onPremisesSyncEnabled === true };
        case 'failed':
            // Answered without sending anything (the directory is cooling down): a wait, not this object's failure.
            return sent ? answer : { kind: 'deferred', until: answer.retryAt ?? 0 };
        default:
            return answer;
    }
}

/**
 * Looks up the objects of `round` that are due at `now`, spending at most `share` requests of the pass budget, in
 * calls of at most the directory's requests per call. Objects found are never asked about again.
 * @param directory - the directory port
 * @param chunks - the record's objects with their progress
 */
export async function lookUpDue(
    directory: Directory,
    chunks: readonly ObjectChunk[],
    round: LookupRound,
    now: number,
    policy: LookupRetryPolicy,
    pass: LookupPass,
    share: number,
): Promise<LookedUp> {
    const progress: ObjectProgress[][] = chunks.map((c) => [...c.progress]);
    const touched = new Set<number>();
    const found: DirectoryObjectRef[] = [];
    let due: DueObject[] = chunks.flatMap((c, chunk) =>
        c.refs.flatMap((ref, index) => {
            const p = c.progress[index];
            if (p === undefined || !isDueForLookup(p, round, now) || p.s !== 'open') return [];
            return [{ chunk, index, ref, failures: p.failures }];
        }),
    );
    let spent = 0;
    while (due.length > 0 && !pass.halted && Math.min(share - spent, pass.left) > 0) {
        const maxRequests = Math.min(share - spent, pass.left, directory.requestsPerCall);
        const groups = groupsOf(due.slice(0, maxRequests * directory.refsPerRequest), directory.refsPerRequest);
        const result = await directory.lookUp(
            groups.map((g) => g.map((o) => o.ref)),
            maxRequests,
        );
        spent += result.requests;
        pass.left -= result.requests;
        pass.requests += result.requests;
        pass.calls += result.calls;
        const answered = new Set<DueObject>();
        groups.forEach((group, g) =>
            group.forEach((o, i) => {
                const answer = objectAnswerOf(result.answers[g]?.[i], result.requests > 0);
                if (answer.kind === 'notAsked') return;
                if (answer.kind === 'failed' && HALTING.has(answer.failure)) pass.halted = true;
                if (answer.kind === 'deferred') pass.halted = true;
                const row = progress[o.chunk];
                const before = row?.[o.index];
                if (row === undefined || before === undefined) return;
                const after = afterAnswer(before, answer, round, now, policy);
                row[o.index] = after;
                if (after.s === 'found') found.push(o.ref);
                touched.add(o.chunk);
                answered.add(o);
            }),
        );
        // Nothing answered and nothing spent: the directory cannot take these now; stop rather than spin.
        if (answered.size === 0 && result.requests === 0) break;
        due = due.filter((o) => !answered.has(o));
    }
    const all = chunks.map((c, i) => (touched.has(i) ? { ...c, progress: progress[i] ?? c.progress } : c));
    return { changed: all.filter((_, i) => touched.has(i)), all, found, spent, stillDue: due.length };
}
