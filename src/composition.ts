import {

    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryWakeScheduler,
    noTelemetry,
} from './adapters/memory';
import { type Coordinator, createCoordinator } from './app/coordinator';
import { consoleLogger, type Logger } from './app/logger';
import type { Config } from './config/loadConfig';
import { type InvalidMessageSink, MemoryInvalidMessageSink } from './intake/invalidMessages';
import type { AutomationJobs } from './ports/automationJobs';
import { type Clock, systemClock } from './ports/clock';
import type { RequestStore } from './ports/requestStore';
import type { TargetStateStore } from './ports/targetStateStore';
import type { Telemetry } from './ports/telemetry';
import type { WakeScheduler } from './ports/wakeScheduler';

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
}

/** Ports a test or the local sandbox injects instead of the ones picked from config. */
export type ServiceOverrides = Partial<Omit<Services, 'config' | 'coordinator'>>;

/**
 * The composition root: picks an adapter per port from the config (Azure when its setting is present, else in
 * memory) and wires the coordinator with closures. No container; overrides win.
 * @param config - the validated config
 * @param overrides - ports to use instead
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
    const clock = overrides.clock ?? systemClock;
    const log = overrides.log ?? consoleLogger;
    const store = overrides.store ?? new MemoryTargetStateStore();
    const requests = overrides.requests ?? new MemoryRequestStore();
    const wakes = overrides.wakes ?? new MemoryWakeScheduler();
    const jobs = overrides.jobs ?? new MemoryAutomationJobs(clock);
    const telemetry = overrides.telemetry ?? noTelemetry;
    const invalidMessages = overrides.invalidMessages ?? new MemoryInvalidMessageSink();
    const coordinator = createCoordinator({ store, wakes, jobs, telemetry, clock, targets: config.targets, log });
    return { config, clock, store, requests, wakes, jobs, telemetry, invalidMessages, log, coordinator };
}

