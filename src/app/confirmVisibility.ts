import {
    type ConfirmationRecord,
    type ConfirmationState,
    diagnoseNotVisible,
    type DirectoryObjectRef,
    directoryRefOf,
    type ObjectCheck,
} from '../domain/entraConfirmation';
import type { RequestRecord, RequestStatus } from '../domain/requestStatus';
import { routeChange, type Routing } from '../domain/routing';
import type { RunSummary } from '../domain/targetState';
import { ensureError } from '../errors';
import type { Clock } from '../ports/clock';
import type { ConfirmationStore } from '../ports/confirmationStore';
import type { Directory } from '../ports/directory';
import { type Logger, silentLogger } from '../ports/logger';
import type { Telemetry } from '../ports/telemetry';
import type { SubmittedChange } from './splitByTarget';

/** What ENTRA_CONFIRMATION=on wires in: where confirmations are kept, the directory, the settings. */
export interface EntraConfirmation {
    readonly store: ConfirmationStore;
    readonly directory: Directory;
    readonly settings: ConfirmationSettings;
}

/** ENTRA_CONFIRMATION_* settings. */
interface ConfirmationSettings {
    /** Wait this long after a cycle that did not carry an object before submitting the extra run (replication). */
    readonly extraRunDelayMs: number;
    /** Extra runs per request when an object is missing (1 by default; 0: report at once). */
    readonly maxExtraRuns: number;
    /** Open confirmations advanced per pass. */
    readonly batchSize: number;
    /** Records of requests older than this are deleted (REQUEST_RETENTION_DAYS, as the requests themselves). */
    readonly retentionMs: number;
}

/**
 * Ports of the confirmation use case. The request status and the extra run are given as functions so that the
 * use case reuses the status query and the one submission path without knowing the engine.
 */
export interface ConfirmVisibilityDeps {
    readonly directory: Directory;
    readonly confirmations: ConfirmationStore;
    readonly clock: Clock;
    readonly telemetry: Telemetry;
    readonly settings: ConfirmationSettings;
    /** The request's status as GET answers it (without confirmation); null when unknown. */
    readonly requestStatus: (requestId: string) => Promise<RequestStatus | null>;
    /**
     * Submits one synthetic manual change for the target through the ordinary submission path under the given
     * idempotency key (so a repeat is a duplicate, never a second run); returns the new request's id, or null when
     * the engine refused it.
     */
    readonly submitExtraRun: (targetId: string, idempotencyKey: string) => Promise<string | null>;
    readonly log?: Logger;
}

/** The idempotency key of a request's n-th extra run: deterministic, so retries never add runs. */
export const extraRunKey = (requestId: string, n: number): string => `entra-confirmation:${requestId}:${n}`;

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
        await store.create({
            requestId: record.requestId,
            targetId: record.targetId,
            correlationId: record.correlationId,
            acceptedAt: record.acceptedAt,
            objects,
            state: { phase: 'awaitingRun' },
            etag: null,
        });
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
}

/**
 * One pass over open confirmations (the confirmation timer): each one moves on as far as it can now. Failures
 * (Graph unreachable, a lost update) leave the record as it was; the next pass tries again.
 * @param deps - ports and settings
 */
export async function advanceConfirmations(deps: ConfirmVisibilityDeps): Promise<ConfirmationPassReport> {
    const log = deps.log ?? silentLogger;
    const open = await deps.confirmations.listOpen(deps.settings.batchSize);
    let advanced = 0;
    let failures = 0;
    for (const record of open) {
        try {
            if (await advanceConfirmation(deps, record)) advanced++;
        } catch (e) {
            failures++;
            log.warn(`Confirmation of request ${record.requestId} failed: ${ensureError(e).message}`);
        }
    }
    const expired = await deps.confirmations.deleteOlderThan(
        deps.clock.now() - deps.settings.retentionMs,
        deps.settings.batchSize,
    );
    return { examined: open.length, advanced, failures, expired };
}

/**
 * Moves one confirmation on. Returns whether its state changed.
 * @param deps - ports and settings
 * @param record - the stored record
 */
async function advanceConfirmation(deps: ConfirmVisibilityDeps, record: ConfirmationRecord): Promise<boolean> {
    const next = await nextState(deps, record);
    if (next === null) return false;
    const saved = await deps.confirmations.update({ ...record, state: next.state });
    if (saved) next.report();
    return saved;
}

interface Transition {
    readonly state: ConfirmationState;
    /** Telemetry sent only once the new state is stored (a lost update must not report twice). */
    readonly report: () => void;
}

const quiet = (state: ConfirmationState): Transition => ({ state, report: () => undefined });

const SUCCEEDED: ReadonlySet<RequestStatus['state']> = new Set(['succeeded', 'partiallySucceeded']);
const PENDING: ReadonlySet<RequestStatus['state']> = new Set(['accepted', 'waiting', 'running']);

async function nextState(deps: ConfirmVisibilityDeps, record: ConfirmationRecord): Promise<Transition | null> {
    const state = record.state;
    const now = deps.clock.now();
    switch (state.phase) {
        case 'awaitingRun': {
            const status = await deps.requestStatus(record.requestId);
            if (status === null || PENDING.has(status.state)) return null;
            if (!SUCCEEDED.has(status.state)) return quiet({ phase: 'notApplicable', because: 'cycleDidNotSucceed' });
            return checkObjects(deps, record, 0, now);
        }
        case 'awaitingExtraRun': {
            if (state.extraRequestId === null) {
                if (now < state.dueAt) return null;
                // Another cycle (the built-in scheduler's) may have carried it meanwhile: then no extra run is needed.
                const before = await lookUp(deps, record.objects);
                if (before.every((c) => c.found)) return confirmed(deps, record, before, state.extraRuns - 1, now);
                const key = extraRunKey(record.requestId, state.extraRuns);
                const extraRequestId = await deps.submitExtraRun(record.targetId, key);
                // The engine refused the extra run (an Initial limit cannot apply to a Delta; kept for safety).
                if (extraRequestId === null) return finalNotVisible(deps, record, state.extraRuns, now, null);
                return quiet({ ...state, extraRequestId });
            }
            const status = await deps.requestStatus(state.extraRequestId);
            if (status !== null && PENDING.has(status.state)) return null;
            return checkObjects(deps, record, state.extraRuns, now);
        }
        default:
            return null;
    }
}

async function lookUp(deps: ConfirmVisibilityDeps, objects: readonly DirectoryObjectRef[]): Promise<ObjectCheck[]> {
    const checks: ObjectCheck[] = [];
    for (const ref of objects) {
        const user = await deps.directory.findUser(ref);
        const synced = user !== null && user.onPremisesSyncEnabled === true;
        checks.push({
            ref,
            found: synced,
            lastSyncAt: user?.onPremisesLastSyncAt ?? null,
            cloudObject: user !== null && !synced,
        });
    }
    return checks;
}

/** Looks every object up; all there: confirmed; else another run (within the bound) or the final answer. */
async function checkObjects(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    extraRuns: number,
    now: number,
): Promise<Transition> {
    const checks = await lookUp(deps, record.objects);
    const missing = checks.filter((c) => !c.found);
    if (missing.length === 0) return confirmed(deps, record, checks, extraRuns, now);
    if (extraRuns < deps.settings.maxExtraRuns) {
        return quiet({
            phase: 'awaitingExtraRun',
            extraRuns: extraRuns + 1,
            dueAt: now + deps.settings.extraRunDelayMs,
            extraRequestId: null,
        });
    }
    return finalNotVisible(deps, record, extraRuns, now, missing);
}

/** Every object is in Entra ID: the final confirmed state, and one VisibleInEntra event per object once stored. */
function confirmed(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    checks: readonly ObjectCheck[],
    extraRuns: number,
    now: number,
): Transition {
    return {
        state: { phase: 'confirmed', confirmedAt: now, extraRuns },
        report: () => {
            for (const check of checks) {
                deps.telemetry.track({
                    type: 'VisibleInEntra',
                    targetId: record.targetId,
                    requestId: record.requestId,
                    correlationId: record.correlationId,
                    objectRef: check.ref.value,
                    lookupBy: check.ref.by,
                    extraRuns,
                    changeToVisibleMs: Math.max(0, now - record.acceptedAt),
                });
            }
        },
    };
}

/** The runs that covered the request: its own and the extra one, as far as their statuses still hold them. */
async function coveringRuns(deps: ConfirmVisibilityDeps, record: ConfirmationRecord): Promise<RunSummary[]> {
    const ids = [record.requestId];
    if (record.state.phase === 'awaitingExtraRun' && record.state.extraRequestId !== null) {
        ids.push(record.state.extraRequestId);
    }
    const runs: RunSummary[] = [];
    for (const id of ids) {
        const status = await deps.requestStatus(id);
        if (status !== null && 'run' in status) runs.push(status.run);
    }
    return runs;
}

/**
 * The final answer for missing objects, with the reason the lookups and run-profile results support.
 * @param missing - the objects the last lookup did not find; null when no lookup followed (extra run refused)
 */
async function finalNotVisible(
    deps: ConfirmVisibilityDeps,
    record: ConfirmationRecord,
    extraRuns: number,
    now: number,
    missing: readonly ObjectCheck[] | null,
): Promise<Transition> {
    const runs = await coveringRuns(deps, record);
    const reason = diagnoseNotVisible(missing ?? [], runs);
    const missingRefs = missing === null ? record.objects : missing.map((m) => m.ref);
    return {
        state: { phase: 'notVisible', reason, checkedAt: now, missing: missingRefs, extraRuns },
        report: () => {
            for (const ref of missingRefs) {
                deps.telemetry.track({
                    type: 'NotVisibleInEntra',
                    targetId: record.targetId,
                    requestId: record.requestId,
                    correlationId: record.correlationId,
                    objectRef: ref.value,
                    lookupBy: ref.by,
                    extraRuns,
                    reason,
                });
            }
        },
    };
}
