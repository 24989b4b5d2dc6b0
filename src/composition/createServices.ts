import { createAppInsightsTelemetry } from '../adapters/appInsights/createAppInsightsTelemetry';
import { createAutomationJobs } from '../adapters/automation';
import { createArmCredential } from '../adapters/automation/credential';
import { MemoryConfirmationStore } from '../adapters/confirmations/memoryConfirmationStore';
import { TableConfirmationStore } from '../adapters/confirmations/tableConfirmationStore';
import { createGraphDirectory } from '../adapters/graph/graphDirectory';
import { MemoryRequestStore, MemoryTargetStateStore, MemoryWakeScheduler, noTelemetry } from '../adapters/memory';
import { MemoryInvalidMessageSink } from '../adapters/memory/memoryInvalidMessageSink';
import { createServiceBusInvalidMessageSink } from '../adapters/serviceBus/serviceBusInvalidMessageSink';
import { createServiceBusWakeScheduler } from '../adapters/serviceBus/serviceBusWakeScheduler';
import { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import { SimulatedDirectory } from '../adapters/simulatedDirectory/simulatedDirectory';
import { createTableClient, createTableStores } from '../adapters/tables/tableClients';
import type { EntraConfirmation } from '../app/confirmationDeps';
import { type Coordinator, createCoordinator } from '../app/coordinator';
import type { Config, Env } from '../config/loadConfig';
import { simulatedConnectOptionsFromEnv } from '../config/simulatedConnectSettings';
import { simulatedDirectoryOptionsFromEnv } from '../config/simulatedDirectorySettings';
import type { AutomationJobs } from '../ports/automationJobs';
import { type Clock, systemClock } from '../ports/clock';
import type { ConfirmationStore } from '../ports/confirmationStore';
import type { InvalidMessageSink } from '../ports/invalidMessageSink';
import { consoleLogger, type Logger } from '../ports/logger';
import type { RequestStore } from '../ports/requestStore';
import type { TargetStateStore } from '../ports/targetStateStore';
import type { Telemetry } from '../ports/telemetry';
import type { WakeScheduler } from '../ports/wakeScheduler';

/** Every port the handlers use, wired once per process. */
export interface Services {
    readonly config: Config;
    readonly clock: Clock;
    readonly store: TargetStateStore;
    readonly requests: RequestStore;
    readonly wakes: WakeScheduler;
    readonly jobs: AutomationJobs;
    readonly telemetry: Telemetry;
    readonly invalidMessages: InvalidMessageSink;
    readonly log: Logger;
    readonly coordinator: Coordinator;
    /** ENTRA_CONFIRMATION=on: confirmation store, directory and settings; null when off. */
    readonly entraConfirmation: EntraConfirmation | null;
    /** One-time start-up work (creating tables); idempotent. */
    start(): Promise<void>;
}

/** Ports a test or the local sandbox injects instead of the ones picked from config. */
export type ServiceOverrides = Partial<Omit<Services, 'config' | 'coordinator' | 'start'>>;

/** Open confirmations one timer pass reads (earliest due first; served ones move behind the others). */
const CONFIRMATION_BATCH = 200;

/**
 * ENTRA_CONFIRMATION=on: Microsoft Graph with the app's identity in Azure; with the simulated Connect server, a
 * simulated directory fed by the cycles it ran. Confirmations are kept in the request table when storage is
 * configured (every instance sees them), else in memory.
 */
function entraConfirmationFor(config: Config, jobs: AutomationJobs, clock: Clock, env: Env): EntraConfirmation | null {
    const c = config.confirmation;
    if (!c.enabled) return null;
    const settings = {
        extraRunDelayMs: c.extraRunDelayMs,
        maxExtraRuns: c.maxExtraRuns,
        batchSize: CONFIRMATION_BATCH,
        retentionMs: config.requestRetentionMs,
        lookupsPerPass: c.lookupsPerPass,
        lookupDeadlineMs: c.lookupDeadlineMs,
    };
    const store: ConfirmationStore =
        config.storage === null
            ? new MemoryConfirmationStore()
            : new TableConfirmationStore(createTableClient(config.storage, config.requestTableName));
    if (jobs instanceof SimulatedConnectServer) {
        // The simulation's AD side: an object a request names was made in AD when the request was accepted.
        const directory = new SimulatedDirectory(clock, jobs, simulatedDirectoryOptionsFromEnv(env));
        const fed: ConfirmationStore = {
            create: async (record, objects) => {
                for (const ref of objects) directory.objectMade(ref, record.acceptedAt);
                await store.create(record, objects);
            },
            get: (requestId) => store.get(requestId),
            update: (record, next) => store.update(record, next),
            listDue: (now, limit) => store.listDue(now, limit),
            readObjects: (record) => store.readObjects(record),
            saveObjects: (record, chunks) => store.saveObjects(record, chunks),
            deleteOlderThan: (before, limit) => store.deleteOlderThan(before, limit),
        };
        return { store: fed, directory, settings };
    }
    return {
        store,
        directory: createGraphDirectory({
            endpoint: c.graphEndpoint,
            credential: createArmCredential(config.automation.clientId),
            maxRetries: c.graphMaxRetries,
            now: () => clock.now(),
        }),
        settings,
    };
}

/**
 * The composition root: picks an adapter per port from the config and wires the coordinator with closures.
 * Storage connection → Table stores, else memory; Service Bus namespace → scheduled wake-ups and dead-lettering
 * on Service Bus, else memory; AUTOMATION_MODE `azure` → Azure Automation, `simulated` → the simulated Entra
 * Connect server (the same model `npm start` runs, so Core Tools `func start` gets it too); an Application
 * Insights connection string → App Insights, else none. Overrides win, and an overridden port's adapter is never
 * built.
 * @param config - the validated config
 * @param overrides - ports to use instead
 * @param env - where the `SIMULATED_CONNECT_*` settings are read when AUTOMATION_MODE is `simulated` (their
 *   registry defaults when absent); the Functions runtime passes `process.env`
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}, env: Env = {}): Services {
    const clock = overrides.clock ?? systemClock;
    const log = overrides.log ?? consoleLogger;
    const telemetry =
        overrides.telemetry ??
        (config.telemetry.connectionString === null ? noTelemetry : createAppInsightsTelemetry(config, { log }));
    const startSteps: (() => Promise<void>)[] = [];
    let store = overrides.store;
    let requests = overrides.requests;
    if ((store === undefined || requests === undefined) && config.storage !== null) {
        const tables = createTableStores(config);
        store ??= tables.stateStore;
        requests ??= tables.requestStore;
        // In Azure (identity-based storage) infra creates the tables and the app's role is scoped to them, so it
        // may not create tables; only a connection string (Azurite, a developer's account) gets them created here.
        if (config.storage.kind === 'connectionString') startSteps.push(() => tables.ensureTables());
    }
    store ??= new MemoryTargetStateStore();
    requests ??= new MemoryRequestStore();
    const onServiceBus = config.serviceBus.fullyQualifiedNamespace !== null;
    const wakes =
        overrides.wakes ?? (onServiceBus ? createServiceBusWakeScheduler(config).scheduler : new MemoryWakeScheduler());
    const invalidMessages =
        overrides.invalidMessages ??
        (onServiceBus ? createServiceBusInvalidMessageSink(config, { log }) : new MemoryInvalidMessageSink());
    const jobs =
        overrides.jobs ??
        (config.automation.mode === 'azure'
            ? createAutomationJobs(config, telemetry, { clock })
            : new SimulatedConnectServer(clock, simulatedConnectOptionsFromEnv(env)));
    const coordinator = createCoordinator({ store, wakes, jobs, telemetry, clock, targets: config.targets, log });
    const entraConfirmation =
        overrides.entraConfirmation !== undefined
            ? overrides.entraConfirmation
            : entraConfirmationFor(config, jobs, clock, env);
    let started: Promise<void> | undefined;
    const start = (): Promise<void> => {
        started ??= (async () => {
            for (const step of startSteps) await step();
        })().catch((e: unknown) => {
            started = undefined;
            throw e;
        });
        return started;
    };
    return {
        config,
        clock,
        store,
        requests,
        wakes,
        jobs,
        telemetry,
        invalidMessages,
        log,
        coordinator,
        entraConfirmation,
        start,
    };
}
