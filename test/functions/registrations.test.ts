import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { captureAppRegistrations, type CapturedFunction, triggerOf } from '../support/functionsRegistry';

/** What src/index.ts (the deployed entry point) hands the host. */
let functions: CapturedFunction[] = [];

beforeAll(async () => {
    functions = await captureAppRegistrations();
});

async function contract() {
    const routes = await import('../../src/transports/routes.js');
    const settings = await import('../../src/config/settings.js');
    return { ...routes, settingNames: new Set<string>(settings.SETTINGS.map((s) => s.name)) };
}

function byName(name: string): CapturedFunction {
    const found = functions.find((f) => f.name === name);
    if (found === undefined) throw new Error(`${name} was not registered`);
    return found;
}

/** `%NAME%` binding expressions must name a registered setting, or the host cannot resolve them. */
function settingOf(expression: unknown): string {
    const match = typeof expression === 'string' ? /^%([A-Za-z0-9_]+)%$/.exec(expression) : null;
    if (match?.[1] === undefined) throw new Error(`not a %SETTING% expression: ${String(expression)}`);
    return match[1];
}

describe('function registrations (captured binding metadata)', () => {
    it('registers exactly the functions of the contract, each once, in the order of functions/index.ts', async () => {
        const { FUNCTION_NAMES } = await contract();
        const { FUNCTIONS } = await import('../../functions/index.js');
        expect(functions.map((f) => f.name).sort()).toEqual(Object.values(FUNCTION_NAMES).sort());
        expect(functions.map((f) => f.name)).toEqual(FUNCTIONS.map((f) => f.name));
    });

    it('lists every function file of functions/ (one trigger per file)', () => {
        const files = readdirSync(join(__dirname, '..', '..', 'functions')).filter((f) => f !== 'index.ts');
        expect(functions).toHaveLength(files.length);
    });

    it('POST sync/requests: function key, POST + OPTIONS (CloudEvents webhook handshake), http output', async () => {
        const { FUNCTION_NAMES, ROUTES } = await contract();
        const fn = byName(FUNCTION_NAMES.postSyncRequests);
        expect(triggerOf(fn)).toMatchObject({
            type: 'httpTrigger',
            direction: 'in',
            route: 'sync/requests',
            authLevel: 'function',
            methods: ['POST', 'OPTIONS'],
        });
        expect(ROUTES.syncRequests).toBe('sync/requests');
        expect(fn.bindings.$return).toMatchObject({ type: 'http', direction: 'out' });
    });

    it('POST sync/initial-requests: its own function (its own function keys), function key, POST only', async () => {
        const { FUNCTION_NAMES, ROUTES } = await contract();
        const fn = byName(FUNCTION_NAMES.postInitialSyncRequests);
        expect(FUNCTION_NAMES.postInitialSyncRequests).not.toBe(FUNCTION_NAMES.postSyncRequests);
        expect(triggerOf(fn)).toMatchObject({
            type: 'httpTrigger',
            direction: 'in',
            route: 'sync/initial-requests',
            authLevel: 'function',
            methods: ['POST'],
        });
        expect(ROUTES.initialSyncRequests).toBe('sync/initial-requests');
    });

    it('GET sync/requests/{requestId} and GET openapi.json use function keys', async () => {
        const { FUNCTION_NAMES } = await contract();
        expect(triggerOf(byName(FUNCTION_NAMES.getSyncRequestStatus))).toMatchObject({
            type: 'httpTrigger',
            route: 'sync/requests/{requestId}',
            authLevel: 'function',
            methods: ['GET'],
        });
        expect(triggerOf(byName(FUNCTION_NAMES.openApi))).toMatchObject({
            type: 'httpTrigger',
            route: 'openapi.json',
            authLevel: 'function',
            methods: ['GET'],
        });
    });

    it('change queue: batched Service Bus trigger on %CHANGE_QUEUE_NAME% over ServiceBusConnection', async () => {
        const { FUNCTION_NAMES, settingNames } = await contract();
        const trigger = triggerOf(byName(FUNCTION_NAMES.changeQueue));
        expect(trigger).toMatchObject({
            type: 'serviceBusTrigger',
            direction: 'in',
            connection: 'ServiceBusConnection',
            queueName: '%CHANGE_QUEUE_NAME%',
            cardinality: 'many',
            isSessionsEnabled: false,
        });
        expect(settingNames.has(settingOf(trigger.queueName))).toBe(true);
        expect(settingNames.has(`${String(trigger.connection)}__fullyQualifiedNamespace`)).toBe(true);
    });

    it('control queue: one message at a time on %CONTROL_QUEUE_NAME%', async () => {
        const { FUNCTION_NAMES, settingNames } = await contract();
        const trigger = triggerOf(byName(FUNCTION_NAMES.controlQueue));
        expect(trigger).toMatchObject({
            type: 'serviceBusTrigger',
            connection: 'ServiceBusConnection',
            queueName: '%CONTROL_QUEUE_NAME%',
            cardinality: 'one',
        });
        expect(settingNames.has(settingOf(trigger.queueName))).toBe(true);
    });

    it('reconcile timer: every two minutes, not on start-up', async () => {
        const { FUNCTION_NAMES } = await contract();
        expect(triggerOf(byName(FUNCTION_NAMES.reconcileTimer))).toMatchObject({
            type: 'timerTrigger',
            schedule: '0 */2 * * * *',
            runOnStartup: false,
        });
    });

    it('Entra ID confirmation timer: every 30 seconds, not on start-up (a no-op with ENTRA_CONFIRMATION=off)', async () => {
        const { FUNCTION_NAMES } = await contract();
        expect(triggerOf(byName(FUNCTION_NAMES.entraConfirmationTimer))).toMatchObject({
            type: 'timerTrigger',
            schedule: '*/30 * * * * *',
            runOnStartup: false,
        });
    });

    it('status: GET status and status/page only, with function keys (the read-only keys)', async () => {
        const { FUNCTION_NAMES, ROUTES } = await contract();
        expect(triggerOf(byName(FUNCTION_NAMES.statusPage))).toMatchObject({
            type: 'httpTrigger',
            route: 'status/{view:regex(^page$)?}',
            authLevel: 'function',
            methods: ['GET'],
        });
        expect(ROUTES.status).toBe('status/{view:regex(^page$)?}');
    });

    it('every registration points at a handler function', () => {
        for (const fn of functions) expect(typeof fn.handler).toBe('function');
    });
});
