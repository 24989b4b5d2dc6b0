import type { TokenCredential } from '@azure/core-auth';
import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';

import { createAutomationJobs } from '../../src/adapters/automation';
import { ManualClock, MemoryRequestStore, MemoryTargetStateStore, MemoryTelemetry } from '../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../src/adapters/memory/memoryInvalidMessageSink';
import { MemoryWakeScheduler } from '../../src/adapters/memory/memoryWakeScheduler';
import { createTableStores } from '../../src/adapters/tables/tableClients';
import { type Coordinator, type CoordinatorFaults, createCoordinator } from '../../src/app/coordinator';
import { idempotencyKeyOf, requestIdFor } from '../../src/app/idempotency';
import { jobNameFor } from '../../src/app/jobName';
import { getRequestStatus } from '../../src/app/requestStatusQuery';
import { createServices, type Services } from '../../src/composition/createServices';
import { type Env, loadConfig } from '../../src/config/loadConfig';
import { backoffDelay, jobCreateBackoff } from '../../src/domain/backoff';
import type { MergeRefusal } from '../../src/domain/decision';
import type { Effect } from '../../src/domain/decision';
import { isFinalRequestState, type RequestRecord } from '../../src/domain/requestStatus';
import type { RunSummary, TargetState } from '../../src/domain/targetState';
import { LOST_WAKE_GRACE_MS } from '../../src/domain/wake';
import type { Clock } from '../../src/ports/clock';
import type { RegisterRequestResult, RequestStore } from '../../src/ports/requestStore';
import type { StoredTargetState, TargetStateStore } from '../../src/ports/targetStateStore';
import type { WakeMessage, WakeScheduler } from '../../src/ports/wakeScheduler';
import { functionKeyScope } from '../../src/transports/http/auth';
import { createPostSyncRequestsHandler, FULL_SYNC_ENTRY } from '../../src/transports/http/postSyncRequests';
import { createChangeQueueHandler } from '../../src/transports/serviceBus/changeQueueHandler';
import { createControlQueueHandler } from '../../src/transports/serviceBus/controlQueueHandler';
import { createReconcileTimerHandler } from '../../src/transports/timer/reconcileTimerHandler';
import {
    AutomationFake,
    cycleResultLine,
    type FakeCycle,
    type FakeFault,
    type FakeJob,
    type FakeJobScript,
    isIsoInstant,
    resultLine,
} from '../support/automationFake';
import type { AzuriteTables } from '../support/azurite';
import { perWindowBudget, seededRandom, WatchedStore } from '../support/engineSimulation';
import { uniqueTableName } from '../support/tables';

/*
 * The chaos world: the whole in-process pipeline of one deployment with several Function App instances. Each
 * instance has its own composition root (createServices), its own coordinator, Automation adapter and clock
 * (skewed against the true clock), and shares with the others what Azure shares: the state and request tables
 * (Azurite, or the in-memory stores), the control queue, the Automation account (the loopback fake, which keeps
 * true time) and the telemetry sink. Callers reach it only through the real handlers: HTTP POST, the change
 * queue, the control queue and the reconcile timer. Time moves only through the true ManualClock.
 */

const CHAOS_TARGET = 'contoso';
/** The epoch every chaos state lifetime gets, so jobs can be scripted by name before they are created. */
const CHAOS_EPOCH = 'c4a05001';
/** Appears in every payload; must never reach a log line, telemetry or the Automation fake. */
const CANARY_UPN_LOCAL = 'canary-7f3a9c';
const CANARY_KEY = 'fk-canary-5d1e0b9a';
/** Every HTTP submission is posted with the canary key to the full-sync endpoint; keys are scoped to both. */
const HTTP_CALLER = functionKeyScope(FULL_SYNC_ENTRY, CANARY_KEY);

/** Every fault the world injects, counted per kind. */
export const FAULT_KINDS = [
    'httpRetrySameKey',
    'queueRedelivery',
    'lateDelivery',
    'reorderedDelivery',
    'poisonedQueueMessage',
    'callerGaveUp',
    'wakeLost',
    'wakeDuplicated',
    'wakeLate',
    'crashAfterSave',
    'crashBeforeEffect',
    'crashAfterRegister',
    'crashBeforeMarkMerged',
    'automation429',
    'automation5xx',
    /** A reset connection, or a request the fake held without an answer and then dropped. */
    'automationNoAnswer',
    'jobStuckQueued',
    'jobSuspended',
    'outcomeBusyTimeout',
    'outcomeStaging',
    'outcomeExportErrors',
    'outcomeFailed',
    'clockSkew',
    /** Not injected: overlaps excused because a stop was never confirmed within stopGrace (see RELIABILITY.md). */
    'stopNotConfirmedOverlap',
    /**
     * Not injected: a job in flight beside two others that the engine never learnt about (its create answer was
     * lost and its run ended StartFailed), excused as engineSimulation.checkSingleFlight excuses it.
     */
    'unknownJobExcused',
    /**
     * Not injected: a request counted covered on evidence only within the world's clock skew (instance clocks are
     * skewed by up to maxSkewMs, more than the IMPORT_CLOCK_SKEW_MS the engine allows for).
     */
    'coveredWithinSkew',
    'tableConflict',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The kinds that are not injected faults but excuses, counted so they are seen (never hidden). */
export const EXCUSED_KINDS: ReadonlySet<FaultKind> = new Set([
    'stopNotConfirmedOverlap',
    'unknownJobExcused',
    'coveredWithinSkew',
]);

export interface ChaosOptions {
    readonly seed: number;
    /** Shared Azurite for the Table store; the in-memory stores when absent. */
    readonly azurite?: AzuriteTables;
    /** Function App instances (separate coordinators and stores on the same tables). */
    readonly instances?: number;
    readonly requests?: number;
    /** Largest clock offset of an instance against the true clock, either way. */
    readonly maxSkewMs?: number;
    /**
     * Breaks the store on purpose to prove the checks can fail: `ignoreEtag` saves over whatever is stored
     * (last writer wins), as a store without optimistic concurrency would.
     */
    readonly sabotage?: 'ignoreEtag';
}

export interface ChaosResult {
    readonly seed: number;
    readonly store: 'memory' | 'azurite';
    readonly faults: ReadonlyMap<FaultKind, number>;
    readonly invariantsChecked: number;
    readonly violations: readonly string[];
    /** How much the queued-run paths were exercised: jobs created while another was in flight, runs that carried. */
    readonly queuedJobs: number;
    readonly carriedRuns: number;
}

const TIMING_ENV: Env = {
    SYNC_QUIET_SECONDS: '20',
    SYNC_MAX_WAIT_SECONDS: '120',
    SYNC_URGENT_MAX_WAIT_SECONDS: '60',
    SYNC_MIN_SPACING_SECONDS: '60',
    SYNC_RUN_TIMEOUT_SECONDS: '600',
    SYNC_POLL_INTERVAL_SECONDS: '30',
    SYNC_POLL_MAX_INTERVAL_SECONDS: '60',
    SYNC_WORKER_OFFLINE_SECONDS: '180',
    SYNC_START_RETRY_BUDGET: '3',
    SYNC_MAX_RUN_ATTEMPTS: '3',
    SYNC_STOP_GRACE_SECONDS: '120',
};
const RECONCILE_PERIOD_MS = 120_000;
const MAX_WAKE_LATENESS_MS = 90_000;
const AUTOMATION_RETRY_BUDGET_MS = 30_000;
const HORIZON_MS = 12 * 3_600_000;
const fakeCredential: TokenCredential = {
    getToken: () => Promise.resolve({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

class SimulatedCrash extends Error {
    constructor(where: string) {
        super(`Simulated crash ${where}`);
        this.name = 'SimulatedCrash';
    }
}

/** An instance's view of time: the true clock plus a fixed offset. */
class SkewedClock implements Clock {
    constructor(
        private readonly truth: ManualClock,
        readonly offsetMs: number,
    ) {}
    now(): number {
        return this.truth.now() + this.offsetMs;
    }
}

/** The control queue as every instance sends to it: loses, duplicates and delays some wake-ups. */
class ChaoticControlQueue implements WakeScheduler {
    calls = 0;
    constructor(
        readonly queue: MemoryWakeScheduler,
        private readonly inject: (kind: FaultKind, p: number) => boolean,
        private readonly lateness: () => number,
    ) {}
    async schedule(wake: WakeMessage): Promise<string> {
        this.calls++;
        if (this.inject('wakeLost', 0.08)) return 'lost';
        const at = this.inject('wakeLate', 0.08) ? wake.at + this.lateness() : wake.at;
        const id = await this.queue.schedule({ ...wake, at });
        if (this.inject('wakeDuplicated', 0.1)) await this.queue.schedule({ ...wake, at: at + this.lateness() });
        return id;
    }
}

/** The request table as one instance uses it: the process may die right after registering, or before marking. */
class CrashingRequestStore implements RequestStore {
    constructor(
        private readonly inner: RequestStore,
        private readonly inject: (kind: FaultKind, p: number) => boolean,
    ) {}
    async register(record: RequestRecord): Promise<RegisterRequestResult> {
        const result = await this.inner.register(record);
        if (this.inject('crashAfterRegister', 0.05)) throw new SimulatedCrash('between register and merge');
        return result;
    }
    async markMerged(requestId: string, windowSeq: number): Promise<void> {
        if (this.inject('crashBeforeMarkMerged', 0.05)) throw new SimulatedCrash('between merge and markMerged');
        await this.inner.markMerged(requestId, windowSeq);
    }
    markRefused(requestId: string, refusal: MergeRefusal): Promise<void> {
        return this.inner.markRefused(requestId, refusal);
    }
    get(requestId: string): Promise<RequestRecord | null> {
        return this.inner.get(requestId);
    }
    listUnmerged(acceptedBefore: number, limit: number): Promise<RequestRecord[]> {
        return this.inner.listUnmerged(acceptedBefore, limit);
    }
    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        return this.inner.deleteOlderThan(acceptedBefore, limit);
    }
}

/** A store without optimistic concurrency: every save wins. Only for proving that the checks catch it. */
class EtagIgnoringStore implements TargetStateStore {
    constructor(private readonly inner: TargetStateStore) {}
    load(targetId: string): Promise<StoredTargetState | null> {
        return this.inner.load(targetId);
    }
    async save(state: TargetState, _etag: string | null): Promise<string> {
        const current = await this.inner.load(state.targetId);
        return this.inner.save(state, current?.etag ?? null);
    }
    putRun(run: RunSummary): Promise<void> {
        return this.inner.putRun(run);
    }
    getRun(targetId: string, seq: number): Promise<RunSummary | null> {
        return this.inner.getRun(targetId, seq);
    }
}

interface Instance {
    readonly services: Services;
    readonly coordinator: Coordinator;
    readonly clock: SkewedClock;
    readonly post: ReturnType<typeof createPostSyncRequestsHandler>;
    readonly changeQueue: ReturnType<typeof createChangeQueueHandler>;
    readonly control: ReturnType<typeof createControlQueueHandler>;
    readonly timer: ReturnType<typeof createReconcileTimerHandler>;
}

/** One submission as its sender sees it; retried until the service answers (unless the caller gives up). */
interface Submission {
    readonly id: string;
    readonly via: 'http' | 'queue';
    readonly body: string;
    readonly changeCount: number;
    /** HTTP Idempotency-Key or Service Bus message id. */
    readonly key: string;
    readonly requestId: string;
    /** Queue only: a poisoned message travels in the same batch. */
    readonly poisonedNeighbour: boolean;
    firstAttemptAt: number | null;
    acceptedSeqs: number[];
    refused: string | null;
    gaveUp: boolean;
    done: boolean;
}

type AgendaItem =
    | { readonly at: number; readonly kind: 'submit'; readonly submission: Submission }
    | { readonly at: number; readonly kind: 'wake'; readonly body: unknown };

/** Runs one seeded chaos schedule end to end and checks the guarantees. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
    const random = seededRandom(options.seed);
    const chance = (p: number): boolean => p > 0 && random() < p;
    const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
    const faults = new Map<FaultKind, number>();
    const count = (kind: FaultKind, n = 1): void => {
        faults.set(kind, (faults.get(kind) ?? 0) + n);
    };
    /** When each fault that can delay a window happened (true clock), for the latency bound. */
    const timedFaults: number[] = [];
    const inject = (kind: FaultKind, p: number): boolean => {
        if (!chance(p)) return false;
        count(kind);
        timedFaults.push(truth.now());
        return true;
    };
    const truth = new ManualClock(Date.UTC(2026, 0, 5, 8, 0, 0) + options.seed * 1000);
    const start = truth.now();
    const maxSkewMs = options.maxSkewMs ?? 30_000;
    // The runbook's wait: a job waits for the cycle running on the server, and for its NotBefore.
    const fake = await AutomationFake.start({ clock: truth, oneCyclePerAccount: true });
    /** Which injected fault each scripted job name stands for; counted only when the job was created. */
    const scriptedFaults = new Map<string, FaultKind>();
    try {
        return await runWith();
    } finally {
        await fake.close();
    }

    async function runWith(): Promise<ChaosResult> {
        const env: Env = {
            ...TIMING_ENV,
            SYNC_TARGETS: JSON.stringify([
                {
                    id: CHAOS_TARGET,
                    subscriptionId: '00000000-0000-0000-0000-000000000001',
                    resourceGroup: 'rg-sync',
                    automationAccount: `aa-chaos-${options.seed}`,
                    runbook: 'Start-EntraSyncCycle',
                    hybridWorkerGroup: 'entra-connect',
                },
            ]),
            AUTOMATION_MODE: 'azure',
            AUTOMATION_ENDPOINT: fake.baseUri,
            AUTOMATION_RETRY_BUDGET_SECONDS: String(AUTOMATION_RETRY_BUDGET_MS / 1000),
            INITIAL_MIN_INTERVAL_SECONDS: '600',
            HTTP_MAX_BODY_BYTES: '65536',
            MAX_CHANGES_PER_REQUEST: '50',
            ...(options.azurite === undefined
                ? {}
                : {
                      AzureWebJobsStorage: options.azurite.connectionString,
                      STATE_TABLE_NAME: uniqueTableName('chaosstate'),
                      REQUEST_TABLE_NAME: uniqueTableName('chaosreq'),
                  }),
        };
        const config = loadConfig(env);
        const telemetry = new MemoryTelemetry();
        const logLines: string[] = [];
        const controlQueue = new ChaoticControlQueue(new MemoryWakeScheduler(), inject, () =>
            between(0, MAX_WAKE_LATENESS_MS),
        );
        const invalidMessages = new MemoryInvalidMessageSink();
        // On the memory stores, one watched store sees every save of every instance (and holds each call a few
        // microtask turns, so instances interleave differently per seed).
        const watched = new WatchedStore(new MemoryTargetStateStore(), truth, () => between(0, 3));
        const sharedMemory = { store: watched, requests: new MemoryRequestStore() };
        const crashes: CoordinatorFaults = {
            afterSave: (_t: string, effects: readonly Effect[]) => {
                if (effects.some((e) => e.type !== 'emit') && inject('crashAfterSave', 0.04)) {
                    throw new SimulatedCrash('after save');
                }
            },
            beforeEffect: (_t: string, effect: Effect) => {
                if (effect.type !== 'emit' && inject('crashBeforeEffect', 0.04)) {
                    throw new SimulatedCrash(`before ${effect.type}`);
                }
            },
        };

        const instanceCount = options.instances ?? between(4, 6);
        const instances: Instance[] = [];
        for (let i = 0; i < instanceCount; i++) {
            const offset = i === 0 ? 0 : between(-maxSkewMs, maxSkewMs);
            if (offset !== 0) count('clockSkew');
            const clock = new SkewedClock(truth, offset);
            const tables = options.azurite === undefined ? null : createTableStores(config);
            if (tables !== null && i === 0) await tables.ensureTables();
            const jobs = createAutomationJobs(config, telemetry, {
                credential: fakeCredential,
                clock,
                // Retrying takes time on every clock; the fake's jobs age meanwhile.
                sleep: (ms) => {
                    truth.advance(ms);
                    return Promise.resolve();
                },
                // Real time, so far above any healthy answer of the local fake even on a loaded machine: a short
                // timeout also fires on healthy calls in a cold process, and the same seed then retries other
                // calls and counts other faults. "No answer" faults are ended by the fake (dropAfterMs) instead.
                requestTimeoutMs: 10_000,
                baseDelayMs: 1000,
                maxDelayMs: 8000,
            });
            const log = {
                info: (m: string) => logLines.push(m),
                warn: (m: string) => logLines.push(m),
                error: (m: string) => logLines.push(m),
            };
            const store = tables?.stateStore ?? sharedMemory.store;
            const base = createServices(config, {
                clock,
                store: options.sabotage === 'ignoreEtag' ? new EtagIgnoringStore(store) : store,
                requests: new CrashingRequestStore(tables?.requestStore ?? sharedMemory.requests, inject),
                wakes: controlQueue,
                jobs,
                telemetry,
                invalidMessages,
                log,
            });
            const coordinator = createCoordinator({
                store: base.store,
                wakes: controlQueue,
                jobs,
                telemetry,
                clock,
                targets: config.targets,
                log,
                faults: crashes,
                // Immediate retries on 412 keep the storm dense: every instance races for the same ETag.
                backoff: () => Promise.resolve(),
                newEpoch: () => CHAOS_EPOCH,
            });
            const services: Services = { ...base, coordinator };
            const resolve = (): Services => services;
            instances.push({
                services,
                coordinator,
                clock,
                // The full-sync endpoint: with function keys, only its key grants Initial (issue 13 item 10).
                post: createPostSyncRequestsHandler(resolve, FULL_SYNC_ENTRY),
                changeQueue: createChangeQueueHandler(resolve),
                control: createControlQueueHandler(resolve),
                timer: createReconcileTimerHandler(resolve),
            });
        }
        const pickInstance = (): Instance => {
            const found = instances[Math.floor(random() * instances.length)];
            if (found === undefined) throw new Error('no instance');
            return found;
        };
        const context = (): InvocationContext =>
            new InvocationContext({
                invocationId: 'chaos',
                functionName: 'chaos',
                logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
            });
        const contextWithMetadata = (ids: string[]): InvocationContext =>
            new InvocationContext({
                invocationId: 'chaos',
                functionName: 'chaos',
                logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
                triggerMetadata: { messageIdArray: ids, deliveryCountArray: ids.map(() => 1) },
            });

        scriptJobs();

        // The submissions: bursts of HTTP and queue requests over the first half hour.
        const submissions: Submission[] = [];
        const agenda: AgendaItem[] = [];
        const total = options.requests ?? between(4, 10);
        let initialSent = false;
        const bursts = [start + between(0, 5_000), start + between(60_000, 900_000)];
        for (let n = 0; n < total; n++) {
            const via = chance(0.5) ? 'http' : 'queue';
            const changeCount = between(1, 4);
            const initial = !initialSent && via === 'http' && chance(0.1);
            if (initial) initialSent = true;
            const changes = Array.from({ length: changeCount }, (_, k) => ({
                kind: chance(0.3) ? 'joiner' : 'attribute',
                upn: `${CANARY_UPN_LOCAL}.${n}.${k}@contoso.com`,
            }));
            const key = `chaos-${options.seed}-${n}`;
            const submission: Submission = {
                id: key,
                via,
                body: JSON.stringify(initial ? { policy: 'Initial', changes } : { changes }),
                changeCount,
                key,
                requestId: requestIdFor(
                    idempotencyKeyOf(
                        via === 'http' ? HTTP_CALLER : { kind: 'changeQueue' },
                        via === 'http' ? key : null,
                        via === 'http' ? null : [`servicebus\n${key}`],
                    ),
                ),
                poisonedNeighbour: via === 'queue' && chance(0.25),
                firstAttemptAt: null,
                acceptedSeqs: [],
                refused: null,
                gaveUp: false,
                done: false,
            };
            if (submission.poisonedNeighbour) count('poisonedQueueMessage');
            submissions.push(submission);
            // Most submissions arrive in bursts at the same instant, so every instance races for the ETag.
            const at = chance(0.7) ? (bursts[between(0, bursts.length - 1)] ?? start) : start + between(0, 1_800_000);
            agenda.push({ at, kind: 'submit', submission });
            // Duplicate deliveries: an HTTP retry with the same key, or Service Bus redelivering the message.
            if (chance(0.3)) {
                count(via === 'http' ? 'httpRetrySameKey' : 'queueRedelivery');
                const late = chance(0.3);
                if (late) count('lateDelivery');
                agenda.push({
                    at: at + (late ? between(600_000, 3_600_000) : between(0, 20_000)),
                    kind: 'submit',
                    submission,
                });
            }
        }

        async function deliver(s: Submission): Promise<void> {
            s.firstAttemptAt ??= truth.now();
            const instance = pickInstance();
            if (s.via === 'http') {
                const request = new HttpRequest({
                    method: 'POST',
                    url: 'https://sync.example.test/api/sync/requests',
                    headers: {
                        'content-type': 'application/json',
                        'idempotency-key': s.key,
                        'x-functions-key': CANARY_KEY,
                        authorization: `Bearer ${CANARY_KEY}`,
                    },
                    body: { string: s.body },
                });
                const response = await instance.post(request, context());
                const status = response.status ?? 200;
                if (status === 202) {
                    const seq = windowSeqOf(response.jsonBody);
                    if (seq !== null) s.acceptedSeqs.push(seq);
                    s.done = true;
                } else if (status >= 500) {
                    // The caller retries with the same key; sometimes it gives up and the reconcile timer must
                    // merge what was stored.
                    if (!s.done && inject('callerGaveUp', 0.15)) {
                        s.gaveUp = true;
                        return;
                    }
                    agenda.push({ at: truth.now() + between(1000, 30_000), kind: 'submit', submission: s });
                } else {
                    s.refused = `${status}`;
                    s.done = true;
                }
                return;
            }
            const bodies: unknown[] = [s.body];
            const ids = [s.key];
            if (s.poisonedNeighbour) {
                const poisoned = JSON.stringify({
                    changes: [{ kind: 'hire', upn: `${CANARY_UPN_LOCAL}@contoso.com` }],
                });
                if (chance(0.5)) {
                    bodies.unshift(poisoned);
                    ids.unshift(`${s.key}-poison`);
                } else {
                    bodies.push(poisoned);
                    ids.push(`${s.key}-poison`);
                }
            }
            try {
                await instance.changeQueue(bodies, contextWithMetadata(ids));
                s.done = true;
            } catch {
                // Abandoned: Service Bus redelivers the whole batch.
                agenda.push({ at: truth.now() + between(1000, 10_000), kind: 'submit', submission: s });
            }
        }

        async function deliverWake(body: unknown): Promise<void> {
            try {
                await pickInstance().control(body, context());
            } catch {
                // Abandoned: redelivered after the lock expires.
                agenda.push({ at: truth.now() + 30_000, kind: 'wake', body });
            }
        }

        const timerInfo: Timer = {
            isPastDue: false,
            schedule: { adjustForDST: false },
            scheduleStatus: { last: '', next: '', lastUpdated: '' },
        };
        async function tick(): Promise<void> {
            // A failing reconcile is logged by the handler; the next tick tries again.
            await pickInstance()
                .timer(timerInfo, context())
                .catch(() => undefined);
        }

        const readState = (): Promise<TargetState> => instances[0]?.coordinator.readState(CHAOS_TARGET) ?? never();
        let nextReconcile = start + RECONCILE_PERIOD_MS;
        const deadline = start + HORIZON_MS;
        let drained = false;
        for (let guard = 0; guard < 20_000; guard++) {
            const now = truth.now();
            const work: (() => Promise<void>)[] = [];
            for (let i = agenda.length - 1; i >= 0; i--) {
                const item = agenda[i];
                if (item === undefined || item.at > now) continue;
                agenda.splice(i, 1);
                work.push(item.kind === 'submit' ? () => deliver(item.submission) : () => deliverWake(item.body));
            }
            for (const wake of controlQueue.queue.takeDue(now)) {
                const body: unknown = { targetId: wake.targetId, token: wake.token };
                work.push(() => deliverWake(body));
            }
            if (now >= nextReconcile) {
                nextReconcile += RECONCILE_PERIOD_MS;
                work.push(tick);
            }
            if (work.length > 0) {
                // Deliveries due together arrive in any order and run concurrently (412 storms).
                if (work.length > 1 && inject('reorderedDelivery', 0.5)) work.sort(() => random() - 0.5);
                maybeFailAutomation();
                await Promise.all(work.map((w) => w()));
                continue;
            }
            const pendingSubmissions = agenda.some((a) => a.kind === 'submit');
            const state = await readState();
            const unmerged = submissions.some((s) => s.gaveUp) ? await anyUnmerged() : false;
            if (!pendingSubmissions && state.window === null && state.runs === null && !unmerged) {
                drained = true;
                break;
            }
            const next = Math.min(nextReconcile, controlQueue.queue.nextAt() ?? Infinity, ...agenda.map((a) => a.at));
            if (next > deadline) break;
            truth.set(next);
        }

        async function anyUnmerged(): Promise<boolean> {
            const requests = instances[0]?.services.requests;
            if (requests === undefined) return false;
            for (const s of submissions) {
                if (!s.gaveUp) continue;
                const record = await requests.get(s.requestId);
                if (record !== null && record.windowSeq === null) return true;
            }
            return false;
        }

        const conflicts = instances.reduce((sum, i) => sum + i.coordinator.stats().conflicts, 0);
        if (conflicts > 0) count('tableConflict', conflicts);
        const checker = new Checker();
        const exercised = { queuedJobs: 0, carriedRuns: 0 };
        await checkAll(checker, drained, exercised);
        return {
            seed: options.seed,
            store: options.azurite === undefined ? 'memory' : 'azurite',
            faults,
            invariantsChecked: checker.checked,
            violations: checker.violations,
            ...exercised,
        };

        /** Random behaviour of every job the run could create, by its deterministic name. */
        function scriptJobs(): void {
            // Stuck and failing jobs are rarer than healthy ones so most windows finish normally.
            const scripts: [FaultKind | null, number, () => FakeJobScript][] = [
                [
                    null,
                    0.6,
                    () => ({
                        pickupDelayMs: between(0, 30_000),
                        runMs: between(20_000, 90_000),
                        // The runbook sees its cycle's end one or two of its readings later (and a job queued behind
                        // may start its cycle meanwhile).
                        endLagMs: between(0, 40_000),
                        output: cycleReport('Succeeded'),
                    }),
                ],
                ['jobStuckQueued', 0.06, () => ({ stuck: 'New' })],
                ['jobSuspended', 0.06, () => ({ pickupDelayMs: 5_000, stuck: 'Suspended', stopDelayMs: 10_000 })],
                ['outcomeBusyTimeout', 0.1, () => ({ runMs: 40_000, output: resultLine('BusyTimeout') })],
                ['outcomeStaging', 0.05, () => ({ runMs: 5_000, output: resultLine('SkippedStagingMode') })],
                [
                    'outcomeExportErrors',
                    0.08,
                    () => ({ runMs: 60_000, output: cycleReport('CompletedWithExportErrors') }),
                ],
                ['outcomeFailed', 0.05, () => ({ runMs: 10_000, end: 'Failed', exception: 'Fake runbook failure' })],
            ];
            const weight = scripts.reduce((s, [, w]) => s + w, 0);
            for (let seq = 1; seq <= 40; seq++) {
                for (let attempt = 1; attempt <= 3; attempt++) {
                    let r = random() * weight;
                    const chosen = scripts.find(([, w]) => (r -= w) < 0) ?? scripts[0];
                    if (chosen === undefined) continue;
                    fake.script(jobNameOf(seq, attempt), chosen[2]());
                    if (chosen[0] !== null) scriptedFaults.set(jobNameOf(seq, attempt), chosen[0]);
                }
            }
        }

        /**
         * What the runbook reports of a cycle it ran: mostly when its import started (a few seconds after the cycle
         * started); sometimes only the cycle's start (a runbook older than importStartedAt, without connector runs);
         * sometimes neither, so every change that joined the run must be carried to the next.
         */
        function cycleReport(outcome: 'Succeeded' | 'CompletedWithExportErrors'): FakeJobScript['output'] {
            const kind = random();
            const importDelayMs = between(0, 5_000);
            if (kind < 0.8) return (cycle: FakeCycle) => cycleResultLine(outcome, cycle, importDelayMs);
            if (kind < 0.9) {
                return (cycle: FakeCycle) =>
                    resultLine(outcome, { cycleStartedAt: new Date(cycle.startedAt).toISOString() });
            }
            return resultLine(outcome);
        }

        /** Queues a few Automation faults before some steps: 429 (with Retry-After), 5xx, resets, no answer. */
        function maybeFailAutomation(): void {
            if (!chance(0.15)) return;
            const choices: [string, FakeFault][] = [
                ['429', { status: 429, retryAfter: String(between(1, 10)) }],
                ['5xx', { status: chance(0.5) ? 503 : 500 }],
                ['reset', { reset: true }],
                ['no answer', { hang: true, dropAfterMs: 25 }],
            ];
            const [, fault] = choices[Math.floor(random() * choices.length)] ?? choices[0] ?? never();
            const ops = ['create', 'get', 'output', 'streams', 'stop'] as const;
            const op = ops[Math.floor(random() * ops.length)] ?? 'get';
            fake.fail({ op, times: between(1, 3), fault });
        }

        async function checkAll(
            c: Checker,
            didDrain: boolean,
            exercised: { queuedJobs: number; carriedRuns: number },
        ): Promise<void> {
            const state = await readState();
            const runs = await collectRuns(state);
            const jobs = fakeJobs();
            for (const job of jobs) {
                const kind = scriptedFaults.get(job.name);
                if (kind !== undefined) count(kind);
            }
            countServedAutomationFaults();

            // 6. Self-healing: drained, nothing left in the target, every stranded request merged.
            c.check(
                didDrain,
                `did not drain: window ${String(state.window?.seq)}, run ${String(state.runs?.ahead.phase)}`,
            );
            c.check(state.window === null && state.runs === null, 'work left in the target');

            // Every request reached a final status (or was refused with a clear 4xx, never half-accepted).
            const query = instances[0]?.services ?? never();
            let acceptedChanges = 0;
            let acceptedRequests = 0;
            for (const s of submissions) {
                const status = await getRequestStatus(
                    {
                        coordinator: query.coordinator,
                        clock: query.clock,
                        requests: query.requests,
                        targets: config.targets,
                    },
                    s.requestId,
                );
                // A caller that gave up after a 5xx may have left nothing behind: it was told so.
                if (s.gaveUp && status === null) continue;
                if (s.refused !== null) {
                    c.check(status === null, `refused request ${s.id} (${s.refused}) left a record`);
                    continue;
                }
                c.check(status !== null, `request ${s.id} (${s.via}) is unknown after it was accepted`);
                if (status === null) continue;
                acceptedChanges += s.changeCount;
                acceptedRequests++;
                c.check(isFinalRequestState(status.state), `request ${s.id} is still ${status.state}`);
                // 5. At-least-once: every delivery got the same window as the stored record.
                const seq = status.request.windowSeq;
                c.check(
                    s.acceptedSeqs.every((a) => a === seq),
                    `request ${s.id} got windows ${s.acceptedSeqs.join(',')} but is stored in ${String(seq)}`,
                );
                // 2. Coverage. The run that covers a request is the one it was merged into, unless that run carried
                // the changes it did not cover to a later run (followed as coveringSeq does, by the stored acceptance).
                if (seq === null) continue;
                c.check(runs.has(seq), `request ${s.id}: window ${seq} never became a finished run`);
                const covering = coveringRunOf(runs, seq, status.request.acceptedAt);
                const run = covering === null ? undefined : runs.get(covering);
                c.check(run !== undefined, `request ${s.id}: carried from window ${seq} to no finished run`);
                if (run === undefined) continue;
                // The status the caller reads names that run.
                const told = 'run' in status ? status.run.seq : null;
                c.check(
                    told === run.seq,
                    `request ${s.id} is reported under run ${String(told)}, covered by ${run.seq}`,
                );
                if (run.report.outcome === 'Succeeded' || run.report.outcome === 'CompletedWithExportErrors') {
                    checkCovered(c, s, run, jobs);
                } else {
                    c.check(
                        (run.report.reason ?? '') !== '',
                        `run ${run.seq} ended ${run.report.outcome} without a reason`,
                    );
                }
            }
            for (let seq = 1; seq < state.nextSeq; seq++) {
                c.check(runs.has(seq), `window ${seq} never became a finished run`);
            }
            // 5. Counts add up exactly once: duplicates never inflate a window.
            const runList = [...runs.values()];
            c.check(
                runList.reduce((sum, r) => sum + r.tally.changeCount, 0) === acceptedChanges,
                `runs carry ${runList.reduce((sum, r) => sum + r.tally.changeCount, 0)} changes, ${acceptedChanges} were accepted`,
            );
            c.check(
                runList.reduce((sum, r) => sum + r.tally.requestCount, 0) === acceptedRequests,
                `runs carry ${runList.reduce((sum, r) => sum + r.tally.requestCount, 0)} requests, ${acceptedRequests} were accepted`,
            );
            // Poisoned queue neighbours were dead-lettered, valid ones were not.
            const poisoned = submissions.filter((s) => s.poisonedNeighbour).map((s) => `${s.key}-poison`);
            const dead = new Set(invalidMessages.messages.map((m) => m.messageId));
            for (const id of poisoned) c.check(dead.has(id), `poisoned message ${id} was not dead-lettered`);
            for (const s of submissions) c.check(!dead.has(s.key), `valid message ${s.key} was dead-lettered`);

            // 1. Single flight in state: no run or window replaced before it finished (memory stores: every save seen).
            c.check(watched.violations.length === 0, `state: ${watched.violations.join('; ')}`);
            // 1. Single flight on the true clock. Never two cycles at once on the Connect server: this holds by
            // construction of the fake (oneCyclePerAccount: its jobs run the model of this project's runbook on one
            // server, and the runbook starts a cycle only when none runs), so this check guards the fake itself.
            const lives = jobs.map((j) => ({ job: j, life: fake.lifeOf(j) }));
            for (const a of lives) {
                for (const b of lives) {
                    if (a.job.name >= b.job.name || a.life.cycle === null || b.life.cycle === null) continue;
                    const apart =
                        a.life.cycle.endedAt <= b.life.cycle.startedAt ||
                        b.life.cycle.endedAt <= a.life.cycle.startedAt;
                    c.check(apart, `the cycles of jobs ${a.job.name} and ${b.job.name} ran together`);
                }
            }
            // What the engine keeps: at most one job ahead and maxWaitingJobs queued behind it, in flight (created,
            // not ended or stopped) at any moment; checked at each job's creation, when the count rises.
            const timing = config.targets.get(CHAOS_TARGET)?.timing ?? never();
            const maxJobs = 1 + timing.maxWaitingJobs;
            const runOfJob = new Map<string, RunSummary>();
            for (const run of runList)
                for (let attempt = 1; attempt <= run.attempts; attempt++)
                    runOfJob.set(jobNameOf(run.seq, attempt), run);
            // The documented exception (DESIGN.md §3, engineSimulation.checkSingleFlight): after stopGrace the engine
            // frees a target whose job never confirmed a stop.
            const stopUnconfirmed = (j: FakeJob): boolean => runOfJob.get(j.name)?.report.stop === 'unconfirmed';
            // A create whose answer was lost before its run gave up (StartFailed) leaves a job the engine never knew.
            const unknown = (j: FakeJob): boolean => runOfJob.get(j.name)?.report.outcome === 'StartFailed';
            for (const { job } of lives) {
                const inFlight = lives
                    .filter(({ job: j, life }) => j.createdAt <= job.createdAt && job.createdAt < life.endedAt)
                    .map(({ job: j }) => j);
                if (inFlight.length > 1) exercised.queuedJobs++;
                if (inFlight.length <= maxJobs) {
                    c.check(true, '');
                    continue;
                }
                if (inFlight.some((j) => j !== job && stopUnconfirmed(j))) {
                    count('stopNotConfirmedOverlap');
                    continue;
                }
                const known = inFlight.filter((j) => j === job || !unknown(j));
                if (known.length <= maxJobs) count('unknownJobExcused');
                c.check(
                    known.length <= maxJobs,
                    `${known.length} jobs in flight (${known.map((j) => j.name).join(', ')}) at +${job.createdAt - start} ms`,
                );
            }
            const ordered = runList.sort((a, b) => a.seq - b.seq);
            // A window closes into a run only while a slot is free: at that moment at most maxJobs runs are in flight
            // (closed, not ended), itself included. (Not "run N closed after run N-2 ended": a run whose attempt is
            // retried stays in flight after the run queued behind it ended.) Times in run summaries come from skewed
            // instance clocks: allow the skew spread.
            for (const run of ordered) {
                const at = run.windowClosedAt;
                const inFlightRuns = ordered.filter((r) => r.windowClosedAt <= at && at + 2 * maxSkewMs < r.endedAt);
                c.check(
                    inFlightRuns.length <= maxJobs,
                    `run ${run.seq} closed while runs ${inFlightRuns.map((r) => r.seq).join(', ')} were in flight`,
                );
            }
            // Every carry goes forward to a run that exists, and carries changes.
            for (const run of ordered) {
                if (run.carried === null) continue;
                exercised.carriedRuns++;
                c.check(
                    run.carried.to > run.seq && runs.has(run.carried.to) && run.carried.changeCount > 0,
                    `run ${run.seq} carried ${run.carried.changeCount} changes to run ${run.carried.to}`,
                );
            }
            // 5. Job creation is idempotent: one job per name, whatever was retried.
            c.check(new Set(jobs.map((j) => j.name)).size === jobs.length, 'a job name was created twice');

            // Runbook parameters come from a closed set, whatever the input: CorrelationId, PolicyType and
            // TimeoutSeconds, and for a job queued behind a running one, NotBefore as a toISOString() instant.
            for (const job of jobs) {
                const { NotBefore: notBefore, ...p } = job.parameters;
                c.check(
                    Object.keys(p).sort().join(',') === 'CorrelationId,PolicyType,TimeoutSeconds',
                    `job ${job.name} has parameters ${Object.keys(job.parameters).join(',')}`,
                );
                c.check(p.PolicyType === '"Delta"' || p.PolicyType === '"Initial"', `PolicyType ${p.PolicyType}`);
                c.check(/^\d+$/.test(p.TimeoutSeconds ?? ''), `TimeoutSeconds ${p.TimeoutSeconds}`);
                c.check(/^"[0-9a-f-]{32,36}"$/.test(p.CorrelationId ?? ''), `CorrelationId ${p.CorrelationId}`);
                if (notBefore !== undefined) {
                    const instant = /^"(.*)"$/.exec(notBefore)?.[1] ?? '';
                    c.check(isIsoInstant(instant), `job ${job.name} has NotBefore ${notBefore}`);
                }
            }

            // 3. Bounded latency, as engineSimulation.checkLatency computes it: the first job of window w is created
            // by max(its own deadline, the end of every run that carried changes into it, the moment a slot was
            // free (the second-latest end among earlier runs with a queued run allowed), the latest spacing base of
            // an earlier run + minSpacing (its window close, its retried job, or the NotBefore its job was given)),
            // plus one repair per fault injected from one linger horizon before its first change until the job's
            // creation, plus the skew spread (run summaries carry instance clocks, jobs the true clock).
            const faultCount = [...faults.values()].reduce((a, b) => a + b, 0);
            const repair = timing.pollIntervalMs + LOST_WAKE_GRACE_MS + RECONCILE_PERIOD_MS + MAX_WAKE_LATENESS_MS;
            const perFault =
                repair +
                Math.max(timing.pollMaxIntervalMs, backoffDelay(timing.startRetryBudget, jobCreateBackoff(timing))) +
                AUTOMATION_RETRY_BUDGET_MS;
            const linger = Math.max(timing.maxWaitMs, timing.minSpacingMs, timing.pollMaxIntervalMs) + repair;
            const jobNamed = (seq: number, attempt: number): FakeJob | undefined =>
                jobs.find((j) => j.name === jobNameOf(seq, attempt));
            for (const run of ordered) {
                const first = jobNamed(run.seq, 1);
                if (first === undefined) continue;
                const closeBy = Math.min(
                    run.firstChangeAt + timing.maxWaitMs,
                    run.tally.firstUrgentAt === null ? Infinity : run.tally.firstUrgentAt + timing.urgentMaxWaitMs,
                );
                const carriedAt = ordered.filter((r) => r.carried?.to === run.seq).map((r) => r.endedAt);
                const earlier = ordered.filter((r) => r.seq < run.seq);
                const ends = earlier.map((r) => r.endedAt).sort((a, b) => b - a);
                const slotFree = ends[Math.min(timing.maxWaitingJobs, ends.length - 1)] ?? -Infinity;
                const spacingBase = Math.max(-Infinity, ...earlier.map((r) => spacingBaseOf(r)));
                let bound = Math.max(closeBy, ...carriedAt, slotFree, spacingBase + timing.minSpacingMs);
                const since = run.firstChangeAt - linger - maxSkewMs;
                const n = timedFaults.filter((at) => at >= since && at <= first.createdAt).length;
                bound += n * perFault + 2 * maxSkewMs;
                c.check(
                    first.createdAt <= bound,
                    `window ${run.seq}: job created ${first.createdAt - bound} ms after its bound (${n} faults)`,
                );
            }

            /** The latest moment a run's start was spaced from: its window's close, its last job, or its NotBefore. */
            function spacingBaseOf(run: RunSummary): number {
                const firstJob = jobNamed(run.seq, 1);
                const lastJob = run.attempts > 1 ? jobNamed(run.seq, run.attempts) : undefined;
                const notBefore = [firstJob, lastJob].map((j) => {
                    const raw = /^"(.*)"$/.exec(j?.parameters.NotBefore ?? '')?.[1];
                    return raw === undefined ? -Infinity : Date.parse(raw);
                });
                const retried = run.attempts > 1 ? (lastJob?.createdAt ?? run.endedAt) : run.windowClosedAt;
                return Math.max(run.windowClosedAt, retried, ...notBefore);
            }

            // 4. O(1) per window: wake-ups and Automation calls within the per-window budget plus repairs.
            const windows = Math.max(1, state.nextSeq - 1);
            const budget = perWindowBudget(timing);
            const repairs = faultCount + 1;
            c.check(
                controlQueue.calls <= windows * budget.wakes + repairs * 2,
                `${controlQueue.calls} wake-ups for ${windows} windows`,
            );
            const calls = fake.requests.length;
            c.check(
                calls <= windows * budget.automationCalls + repairs * 4,
                `${calls} Automation calls for ${windows} windows`,
            );

            // No payloads or secrets in logs, telemetry or anything sent to Automation.
            const leaks = [
                JSON.stringify(telemetry.events),
                JSON.stringify(telemetry.dependencies),
                JSON.stringify(telemetry.heartbeats),
                logLines.join('\n'),
                JSON.stringify(fake.requests),
            ].join('\n');
            c.check(!leaks.includes(CANARY_UPN_LOCAL), 'a payload UPN reached logs, telemetry or Automation');
            c.check(!leaks.includes(CANARY_KEY), 'a function key or Authorization value reached logs or telemetry');
        }

        /**
         * A succeeded run covers a request by causality (the job of its last attempt was created after the request
         * arrived: its cycle read the change) or by evidence (its import started after the request arrived). The
         * request arrived at its first delivery attempt (true clock): its changes existed by then. Jobs and import
         * starts are on the true clock (the fake's); the engine decided on skewed instance clocks, so a request that
         * is covered only within the world's skew (maxSkewMs either way, beyond the IMPORT_CLOCK_SKEW_MS the engine
         * assumes between a Connect server and an instance) is counted, not hidden.
         */
        function checkCovered(c: Checker, s: Submission, run: RunSummary, jobs: readonly FakeJob[]): void {
            const last = jobs.find((j) => j.name === (run.job?.name ?? jobNameOf(run.seq, run.attempts)));
            c.check(last !== undefined, `run ${run.seq} succeeded without a job`);
            const arrivedAt = s.firstAttemptAt;
            if (last === undefined || arrivedAt === null) return;
            // The import started at the reported import start, and in any case after the cycle started (the fake's
            // truth: a runbook that reported only its cycle's start, or nothing, still had its cycle read the change).
            const cycleStartedAt = fake.lifeOf(last).cycle?.startedAt ?? null;
            const importStartedAt = run.report?.importStartedAt ?? cycleStartedAt;
            const byCausality = last.createdAt >= arrivedAt;
            const byEvidence = importStartedAt !== null && importStartedAt > arrivedAt;
            if (byCausality || byEvidence) {
                c.check(true, '');
                return;
            }
            // The engine's evidence test (arrival < import start - IMPORT_CLOCK_SKEW_MS, arrival on the clock of the
            // instance that merged or accepted the request) holds in truth only up to that instance's offset; its
            // causality test (acceptance before the window closed, two instance clocks) up to two offsets.
            const withinSkew =
                last.createdAt + 2 * maxSkewMs >= arrivedAt ||
                (importStartedAt !== null && importStartedAt + maxSkewMs > arrivedAt);
            if (withinSkew) count('coveredWithinSkew');
            c.check(
                withinSkew,
                `run ${run.seq} did not cover ${s.id}: job created ${arrivedAt - last.createdAt} ms and import ` +
                    `started ${importStartedAt === null ? '(unknown)' : `${arrivedAt - importStartedAt} ms`} before it arrived`,
            );
        }

        /** Faults are counted as the fake served them: by the status it answered (0: reset or no answer). */
        function countServedAutomationFaults(): void {
            for (const r of fake.requests) {
                if (r.status === 429) count('automation429');
                else if (r.status >= 500) count('automation5xx');
                else if (r.status === 0) count('automationNoAnswer');
                if (r.status === 429 || r.status === 0 || r.status >= 500) timedFaults.push(r.at);
            }
            fake.clearFaults();
        }

        function fakeJobs(): FakeJob[] {
            const names = new Set(fake.requests.filter((r) => r.op === 'create').map((r) => r.jobName ?? ''));
            return [...names].flatMap((n) => {
                const j = fake.job(n);
                return j === undefined ? [] : [j];
            });
        }

        async function collectRuns(state: TargetState): Promise<Map<number, RunSummary>> {
            const runs = new Map<number, RunSummary>();
            for (const run of state.history) runs.set(run.seq, run);
            for (let seq = 1; seq < state.nextSeq; seq++) {
                if (runs.has(seq)) continue;
                const stored = await instances[0]?.coordinator.getRun(CHAOS_TARGET, seq);
                if (stored !== null && stored !== undefined) runs.set(seq, stored);
            }
            return runs;
        }
    }
}

/**
 * The run that covered a request merged into `seq` and accepted at `acceptedAt` (its stored acceptance, as
 * requestStatus.coveringSeq follows it): that run, or the later one its changes were carried to; null when a carry
 * leads to no finished run or back (a corrupt chain).
 */
function coveringRunOf(runs: ReadonlyMap<number, RunSummary>, seq: number, acceptedAt: number): number | null {
    let covering = seq;
    for (let hops = 0; hops < 50; hops++) {
        const run = runs.get(covering);
        if (run === undefined) return null;
        const carried = run.carried;
        if (carried === null || acceptedAt < carried.from) return covering;
        if (carried.to <= covering) return null;
        covering = carried.to;
    }
    return null;
}

function jobNameOf(seq: number, attempt: number): string {
    return jobNameFor(CHAOS_TARGET, CHAOS_EPOCH, seq, attempt);
}

/** Collects checks; each failed one becomes a violation in words. */
class Checker {
    checked = 0;
    readonly violations: string[] = [];
    check(ok: boolean, problem: string): void {
        this.checked++;
        if (!ok) this.violations.push(problem);
    }
}

function windowSeqOf(body: unknown): number | null {
    if (typeof body !== 'object' || body === null) return null;
    const targets: unknown = Reflect.get(body, 'targets');
    if (!Array.isArray(targets)) return null;
    const first: unknown = targets[0];
    if (typeof first !== 'object' || first === null) return null;
    const seq: unknown = Reflect.get(first, 'windowSeq');
    return typeof seq === 'number' ? seq : null;
}

function never(): never {
    throw new Error('unreachable');
}
