import { tallyRound } from '../domain/confirmationProgress';
import {
    type ConfirmationRecord,
    type ConfirmationState,
    type DirectoryObjectRef,
    directoryRefOf,
    ROUND,
} from '../domain/entraConfirmation';
import type { RequestRecord, RequestStatus } from '../domain/requestStatus';
import { routeChange, type Routing } from '../domain/routing';
import { ensureError } from '../errors';
import type { ConfirmationStore } from '../ports/confirmationStore';
import { silentLogger } from '../ports/logger';
import { type ConfirmVisibilityDeps, retryPolicyOf, shareOf } from './confirmationDeps';
import { lookUpDue, type LookupPass } from './confirmationLookups';
import { concludeRound, quiet, type Transition } from './confirmationOutcome';
import type { SubmittedChange } from './splitByTarget';

/**
 * Remembers which objects each accepted request names, so that they can be looked up once its cycle ended. A share
 * naming no object is not recorded.
 * @param store - the confirmation store
 * @param accepted - the accepted shares (request records)
 * @param changes - the submitted changes, routed again here to find each share's objects
 * @param routing - targets and routing rules, as the submission used them
 */
export async function rememberObjectsToConfirm(
    store: ConfirmationStore,
    accepted: readonly { readonly record: RequestRecord; readonly duplicate: boolean }[],
    changes: readonly SubmittedChange[],
    routing: { readonly targets: ReadonlyMap<string, unknown>; readonly routing: Routing },
): Promise<void> {
    const known = new Set(routing.targets.keys());
    for (const { record } of accepted) {
        // A retried submission records again: `create` keeps the first record, and a failure the first time is repaired.
        if (record.windowSeq === null) continue;
        const objects = uniqueRefs(
            changes.flatMap((c) => {
                const route = routeChange(c.hints, routing.routing, known);
                if (!route.ok || route.targetId !== record.targetId) return [];
                const ref = directoryRefOf({
                    ...(c.objectId === undefined ? {} : { objectId: c.objectId }),
                    ...(c.hints.upn === undefined ? {} : { upn: c.hints.upn }),
                });
                return ref === null ? [] : [ref];
            }),
        );
        if (objects.length === 0) continue;
        await store.create(
            {
                requestId: record.requestId,
                targetId: record.targetId,
                correlationId: record.correlationId,
                acceptedAt: record.acceptedAt,
                objectCount: objects.length,
                state: { phase: 'awaitingRun' },
                dueAt: record.acceptedAt,
                etag: null,
            },
            objects,
        );
    }
}

function uniqueRefs(refs: readonly DirectoryObjectRef[]): DirectoryObjectRef[] {
    const seen = new Map<string, DirectoryObjectRef>();
    for (const ref of refs) seen.set(`${ref.by}:${ref.value.toLowerCase()}`, ref);
    return [...seen.values()];
}

/** What one pass did, for the timer's log line. */
export interface ConfirmationPassReport {
    readonly examined: number;
    readonly advanced: number;
    readonly failures: number;
    readonly expired: number;
    /** Directory requests and HTTP calls made. */
    readonly lookups: number;
    readonly calls: number;
}

/** A record's turn in a pass: whether it moved on, and the stored record when it has more objects due now. */
interface Turn {
    readonly changed: boolean;
    readonly again: ConfirmationRecord | null;
}

/**
 * One pass over the confirmations that are due (the confirmation timer), earliest due first: each moves on as far
 * as it can now. The pass spends at most `lookupsPerPass` directory requests; in the first sweep each record gets
 * at most its share, and what is left goes to records that still have objects due. A record that was served moves
 * to its next due time, behind every record that was waiting, so none is starved. Failures (storage, a lost
 * update) leave the record as it was; the next pass tries again.
 * @param deps - ports and settings
 */
export async function advanceConfirmations(deps: ConfirmVisibilityDeps): Promise<ConfirmationPassReport> {
    const log = deps.log ?? silentLogger;
    const now = deps.clock.now();
    const pass: LookupPass = { left: deps.settings.lookupsPerPass, halted: false, requests: 0, calls: 0 };
    let queue = await deps.confirmations.listDue(now, deps.settings.batchSize);
    const examined = queue.length;
    const advanced = new Set<string>();
    let failures = 0;
    for (let sweep = 0; queue.length > 0; sweep++) {
        const again: ConfirmationRecord[] = [];
        const share = sweep === 0 ? shareOf(deps.settings.lookupsPerPass, deps.directory.requestsPerCall) : pass.left;
        for (const record of queue) {
            try {
                const turn = await advanceConfirmation(deps, record, pass, share, now);
                if (turn.changed) advanced.add(record.requestId);
                if (turn.again !== null) again.push(turn.again);
            } catch (e) {
                failures++;
                log.warn(`Confirmation of request ${record.requestId} failed: ${ensureError(e).message}`);
            }
        }
        if (pass.left <= 0 || pass.halted) break;
        queue = again;
    }
    const expired = await deps.confirmations.deleteOlderThan(now - deps.settings.retentionMs, deps.settings.batchSize);
    return { examined, advanced: advanced.size, failures, expired, lookups: pass.requests, calls: pass.calls };
}

const SUCCEEDED: ReadonlySet<RequestStatus['state']> = new Set(['succeeded', 'partiallySucceeded']);
const PENDING: ReadonlySet<RequestStatus['state']> = new Set(['accepted', 'waiting', 'running']);

type Checking = Extract<ConfirmationState, { phase: 'checking' }>;

/** The state to check the objects in now, or the record's next stored state when there is nothing to look up. */
async function stateForNow(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    now: number,
): Promise<{ readonly checking: Checking } | { readonly next: ConfirmationState; readonly dueAt: number } | null> {
    const state = record.state;
    switch (state.phase) {
        case 'awaitingRun': {
            const status = await deps.requestStatus(record.requestId);
            // Still running: looked at again next pass, behind every record that was waiting.
            if (status === null || PENDING.has(status.state)) return { next: state, dueAt: now };
            if (!SUCCEEDED.has(status.state)) {
                return { next: { phase: 'notApplicable', because: 'cycleDidNotSucceed' }, dueAt: now };
            }
            return { checking: { phase: 'checking', round: ROUND.afterCycle, extraRuns: 0, extraRequestId: null } };
        }
        case 'awaitingExtraRun': {
            if (state.extraRequestId === null) {
                if (now < state.dueAt) return { next: state, dueAt: state.dueAt };
                // Another cycle (the built-in scheduler's) may have carried them meanwhile: look once more first.
                return {
                    checking: { phase: 'checking', round: ROUND.beforeExtraRun, extraRuns: 0, extraRequestId: null },
                };
            }
            const status = await deps.requestStatus(state.extraRequestId);
            if (status !== null && PENDING.has(status.state)) return { next: state, dueAt: now };
            return {
                checking: {
                    phase: 'checking',
                    round: ROUND.afterExtraRun,
                    extraRuns: state.extraRuns,
                    extraRequestId: state.extraRequestId,
                },
            };
        }
        case 'checking':
            return { checking: state };
        default:
            return null;
    }
}

/**
 * Moves one confirmation on: its cycle's end, the lookups its budget allows, and the round's conclusion.
 * @param share - what this record may spend in this turn
 */
async function advanceConfirmation(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    pass: LookupPass,
    share: number,
    now: number,
): Promise<Turn> {
    const step = await stateForNow(deps, record, now);
    if (step === null) return { changed: false, again: null };
    if ('next' in step) return { changed: await saved(deps, record, quiet(step.next, step.dueAt)), again: null };
    const checking = step.checking;
    // No budget left for it this pass: it keeps its place (and its state) for the next one.
    if (checking === record.state && (pass.halted || pass.left <= 0)) return { changed: false, again: null };
    const chunks = await deps.confirmations.readObjects(record);
    const looked = await lookUpDue(
        deps.directory,
        chunks,
        checking.round,
        now,
        retryPolicyOf(deps.settings),
        pass,
        share,
    );
    if (looked.changed.length > 0) {
        if (!(await deps.confirmations.saveObjects(record, looked.changed))) return { changed: false, again: null };
        reportFound(deps, record, looked.found, checking.extraRuns, now);
    }
    const tally = tallyRound(looked.all, checking.round);
    if (tally.awaiting > 0) {
        // Objects still to ask: next pass (behind the others) when it spent here, else keep its place.
        const dueAt =
            looked.stillDue > 0 ? (looked.spent > 0 ? now : record.dueAt) : Math.max(now, tally.nextDueAt ?? now);
        const stored = await save(deps, record, quiet(checking, dueAt));
        const more = stored !== null && looked.stillDue > 0 && looked.spent > 0 && !pass.halted;
        return { changed: stored !== null, again: more ? stored : null };
    }
    const transition = await concludeRound(deps, record, checking, tally, looked.all, now);
    return { changed: await saved(deps, record, transition), again: null };
}

/** Stores the transition; its telemetry is sent only once stored (a lost update must not report twice). */
async function save(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    transition: Transition,
): Promise<ConfirmationRecord | null> {
    if (transition.state === record.state && transition.dueAt === record.dueAt) return record;
    const saved = await deps.confirmations.update(record, { state: transition.state, dueAt: transition.dueAt });
    if (saved !== null) transition.report();
    return saved;
}

/** Whether the transition changed the stored record. */
async function saved(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    transition: Transition,
): Promise<boolean> {
    const stored = await save(deps, record, transition);
    return stored !== null && stored !== record;
}

/** One VisibleInEntra event per object the moment it was found (its chunk stored). */
function reportFound(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    found: readonly DirectoryObjectRef[],
    extraRuns: number,
    now: number,
): void {
    for (const ref of found) {
        deps.telemetry.track({
            type: 'VisibleInEntra',
            targetId: record.targetId,
            requestId: record.requestId,
            correlationId: record.correlationId,
            objectRef: ref.value,
            lookupBy: ref.by,
            extraRuns,
            changeToVisibleMs: Math.max(0, now - record.acceptedAt),
        });
    }
}
