import { MemoryConfirmationStore } from '../src/adapters/confirmations/memoryConfirmationStore';
import { advanceConfirmations } from '../src/app/confirmVisibility';
import { getRequestStatus, type RequestStatusDeps } from '../src/app/requestStatusQuery';
import { submitChanges, type SubmitChangesDeps } from '../src/app/submitChanges';
import { settingSpec } from '../src/config/settings';
import type { ConfirmationState, DirectoryObjectRef } from '../src/domain/entraConfirmation';
import { parseNcrontab } from '../src/local/ncrontab';
import type { ConfirmationStore } from '../src/ports/confirmationStore';
import type { Directory } from '../src/ports/directory';
import { ENTRA_CONFIRMATION_SCHEDULE } from '../src/transports/routes';

function defaultOf(name: string): number {
    const value = Number(settingSpec(name).default);
    if (!Number.isFinite(value)) throw new Error(`${name} has no numeric default`);
    return value;
}

/** ENTRA_CONFIRMATION=on: the timer's schedule and the extra-run settings. */
export interface BenchConfirmationSettings {
    readonly schedule: string;
    readonly extraRunDelayMs: number;
    readonly maxExtraRuns: number;
}

/** ENTRA_CONFIRMATION=on as deployed with the defaults. */
export const BENCH_CONFIRMATION: BenchConfirmationSettings = Object.freeze({
    schedule: ENTRA_CONFIRMATION_SCHEDULE,
    extraRunDelayMs: defaultOf('ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS') * 1000,
    maxExtraRuns: defaultOf('ENTRA_CONFIRMATION_EXTRA_RUNS'),
});

/** What became of one joiner's confirmation by the end of the simulation. */
export interface JoinerConfirmation {
    /** Null when the request named no object or its record was never written. */
    readonly state: ConfirmationState | null;
    /** What each directory lookup of the joiner answered, in order (true: found and synced). */
    readonly lookups: readonly boolean[];
}

/** ENTRA_CONFIRMATION=on in the bench's project driver. */
export interface ConfirmationLoop {
    /** Where accepted requests remember the objects they name (the submission path writes to it). */
    readonly store: ConfirmationStore;
    /** The timer's next tick after `now`. */
    nextTickAt(): number;
    /** One timer invocation at `now`, as functions/entraConfirmationTimer runs it. */
    tick(now: number): Promise<void>;
    /** Extra-run requests the confirmation submitted (accepted, not a retry of one already submitted). */
    extraRuns(): number;
    outcome(requestId: string, ref: DirectoryObjectRef): Promise<JoinerConfirmation>;
}

/**
 * The Entra ID confirmation wired as src/transports/timer/entraConfirmationTimerHandler.ts wires it: the real
 * `advanceConfirmations` with an in-memory store, the given directory, the request status query, and the extra run
 * submitted through `submitChanges` as a manual urgent change under the deterministic idempotency key. The timer
 * runs on its schedule (ENTRA_CONFIRMATION_SCHEDULE by default).
 * @param deps - the submission path (its `confirmations` is ignored: extra runs name no object), the status query's
 *   ports and the directory
 * @param settings - schedule and extra-run settings
 * @param start - when the simulation starts
 */
export function confirmationLoop(
    deps: {
        readonly submit: SubmitChangesDeps;
        readonly status: RequestStatusDeps;
        readonly directory: Directory;
    },
    settings: BenchConfirmationSettings,
    start: number,
): ConfirmationLoop {
    const schedule = parseNcrontab(settings.schedule);
    const store = new MemoryConfirmationStore();
    const lookups = new Map<string, boolean[]>();
    const refKey = (ref: DirectoryObjectRef) => `${ref.by}:${ref.value.toLowerCase()}`;
    const directory: Directory = {
        refsPerRequest: deps.directory.refsPerRequest,
        requestsPerCall: deps.directory.requestsPerCall,
        async lookUp(groups, maxRequests) {
            const result = await deps.directory.lookUp(groups, maxRequests);
            groups.forEach((group, g) =>
                group.forEach((ref, i) => {
                    const answer = result.answers[g]?.[i];
                    if (answer?.kind !== 'found' && answer?.kind !== 'absent') return;
                    const seen = lookups.get(refKey(ref)) ?? [];
                    seen.push(answer.kind === 'found' && answer.user.onPremisesSyncEnabled === true);
                    lookups.set(refKey(ref), seen);
                }),
            );
            return result;
        },
    };
    let extraRuns = 0;
    const next = (after: number): number => {
        const at = schedule.nextAfter(after);
        if (at === null) throw new Error(`${settings.schedule} never fires`);
        return at;
    };
    let nextTickAt = next(start);
    return {
        store,
        nextTickAt: () => nextTickAt,
        extraRuns: () => extraRuns,
        async tick(now) {
            if (now < nextTickAt) return;
            nextTickAt = next(now);
            await advanceConfirmations({
                directory,
                confirmations: store,
                clock: deps.status.clock,
                telemetry: deps.submit.telemetry,
                settings: {
                    extraRunDelayMs: settings.extraRunDelayMs,
                    maxExtraRuns: settings.maxExtraRuns,
                    // As createServices (CONFIRMATION_BATCH) and the reconcile's request retention in this bench.
                    batchSize: 200,
                    retentionMs: 30 * 86_400_000,
                    // The lookup budget and deadline as deployed: a bench request names few objects, so neither binds.
                    lookupsPerPass: defaultOf('ENTRA_CONFIRMATION_LOOKUPS_PER_PASS'),
                    lookupDeadlineMs: defaultOf('ENTRA_CONFIRMATION_LOOKUP_DEADLINE_SECONDS') * 1000,
                },
                requestStatus: (requestId) => getRequestStatus(deps.status, requestId),
                submitExtraRun: async (targetId, idempotencyKey) => {
                    const outcome = await submitChanges(
                        { ...deps.submit, confirmations: null },
                        {
                            changes: [
                                { pointer: '/changes/0', kind: 'manual', hints: { target: targetId }, urgent: true },
                            ],
                            idempotencyKey,
                            eventKeys: null,
                            traceparents: [],
                            source: 'confirmation',
                            caller: { kind: 'internal', name: 'entraConfirmation' },
                        },
                    );
                    if (outcome.kind !== 'accepted') return null;
                    if (!outcome.duplicate) extraRuns++;
                    return outcome.shares[0]?.record.requestId ?? null;
                },
            });
        },
        async outcome(requestId, ref) {
            const record = await store.get(requestId);
            return { state: record?.state ?? null, lookups: lookups.get(refKey(ref)) ?? [] };
        },
    };
}
