import { describe, expect, it } from 'vitest';

import { ArmAutomationJobs } from '../../src/adapters/automation';
import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryWakeScheduler,
    noTelemetry,
} from '../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../src/adapters/memory/memoryInvalidMessageSink';
import { ServiceBusInvalidMessageSink } from '../../src/adapters/serviceBus/serviceBusInvalidMessageSink';
import { ServiceBusWakeScheduler } from '../../src/adapters/serviceBus/serviceBusWakeScheduler';
import { SimulatedConnectServer } from '../../src/adapters/simulatedConnect/connectServer';
import { TableRequestStore } from '../../src/adapters/tables/tableRequestStore';
import { TableTargetStateStore } from '../../src/adapters/tables/tableTargetStateStore';
import { createServices } from '../../src/composition/createServices';
import { loadConfig } from '../../src/config/loadConfig';
import { BASE_ENV } from '../transports/harness';

describe('createServices (composition root)', () => {
    it('uses memory for every port when no Azure setting is present', () => {
        const services = createServices(loadConfig(BASE_ENV));
        expect(services.store).toBeInstanceOf(MemoryTargetStateStore);
        expect(services.requests).toBeInstanceOf(MemoryRequestStore);
        expect(services.wakes).toBeInstanceOf(MemoryWakeScheduler);
        expect(services.invalidMessages).toBeInstanceOf(MemoryInvalidMessageSink);
        expect(services.jobs).toBeInstanceOf(SimulatedConnectServer);
        expect(services.telemetry).toBe(noTelemetry);
    });

    it('builds the simulated Connect server from the SIMULATED_CONNECT_* settings, as `npm start` does', () => {
        const env = { ...BASE_ENV, SIMULATED_CONNECT_SEED: '7', SIMULATED_CONNECT_STAGING_MODE: 'true' };
        const services = createServices(loadConfig(env), {}, env);
        expect(services.jobs).toBeInstanceOf(SimulatedConnectServer);
        expect(services.jobs instanceof SimulatedConnectServer && services.jobs.options).toMatchObject({
            seed: 7,
            stagingMode: true,
        });
    });

    it('lets an injected automation port win over the simulation', () => {
        const jobs = new MemoryAutomationJobs(new ManualClock());
        expect(createServices(loadConfig(BASE_ENV), { jobs }).jobs).toBe(jobs);
    });

    it('leaves table creation to infra with identity-based storage (the app role is scoped to the tables)', async () => {
        // An unreachable endpoint: any storage call at start would fail, so a resolved start proves none was made.
        const services = createServices(
            loadConfig({
                ...BASE_ENV,
                AzureWebJobsStorage__tableServiceUri: 'https://127.0.0.1:9/devnull',
                AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-0000000000aa',
            }),
        );
        expect(services.store).toBeInstanceOf(TableTargetStateStore);
        await expect(services.start()).resolves.toBeUndefined();
    });

    it('picks Table storage, Service Bus and Azure Automation from their settings (nothing connects until used)', () => {
        const services = createServices(
            loadConfig({
                ...BASE_ENV,
                AUTOMATION_MODE: 'azure',
                AzureWebJobsStorage: 'UseDevelopmentStorage=true',
                ServiceBusConnection__fullyQualifiedNamespace: 'sb-test.servicebus.windows.net',
                ServiceBusConnection__clientId: '00000000-0000-0000-0000-0000000000aa',
            }),
        );
        expect(services.store).toBeInstanceOf(TableTargetStateStore);
        expect(services.requests).toBeInstanceOf(TableRequestStore);
        expect(services.wakes).toBeInstanceOf(ServiceBusWakeScheduler);
        expect(services.invalidMessages).toBeInstanceOf(ServiceBusInvalidMessageSink);
        expect(services.jobs).toBeInstanceOf(ArmAutomationJobs);
    });

    it('lets overrides win, so tests and the sandbox inject in-memory ports', () => {
        const wakes = new MemoryWakeScheduler();
        const services = createServices(
            loadConfig({
                ...BASE_ENV,
                ServiceBusConnection__fullyQualifiedNamespace: 'sb-test.servicebus.windows.net',
            }),
            { wakes },
        );
        expect(services.wakes).toBe(wakes);
        expect(services.invalidMessages).toBeInstanceOf(ServiceBusInvalidMessageSink);
    });
});
