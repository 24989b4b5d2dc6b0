import { describe, expect, it } from 'vitest';

import { FUNCTIONS } from '../../functions/index';
import { httpRoutes } from '../../src/local/httpHost';
import { type LocalMessage, LocalQueue, queueWakeScheduler } from '../../src/local/localQueue';
import { LOCAL_DEFAULTS, mergeLocalSettings } from '../../src/local/localSettings';
import { parseNcrontab } from '../../src/local/ncrontab';
import { matchTemplate } from '../../src/local/routeTemplate';
import { ScaledClock } from '../../src/local/scaledClock';
import { silentLogger } from '../../src/ports/logger';
import type { FunctionRegistration } from '../../src/transports/functionRegistration';

describe('parseNcrontab (croner, six NCRONTAB fields, seconds first, UTC)', () => {
    const at = (iso: string) => Date.parse(iso);
    const next = (expression: string, after: string) => new Date(parseNcrontab(expression).nextAfter(at(after)) ?? 0);

    it('finds the next time of common forms (Azure Functions timer trigger docs, "NCRONTAB examples")', () => {
        expect(next('0 */5 * * * *', '2026-01-05T08:01:30Z')).toEqual(new Date('2026-01-05T08:05:00Z'));
        expect(next('0 0 * * * *', '2026-01-05T08:00:00Z')).toEqual(new Date('2026-01-05T09:00:00Z'));
        expect(next('0 0 */2 * * *', '2026-01-05T09:00:00Z')).toEqual(new Date('2026-01-05T10:00:00Z'));
        expect(next('0 0 9-17 * * *', '2026-01-05T17:30:00Z')).toEqual(new Date('2026-01-06T09:00:00Z'));
        expect(next('0 30 9 * * *', '2026-01-05T09:30:00Z')).toEqual(new Date('2026-01-06T09:30:00Z'));
        expect(next('0 30 9 * * 1-5', '2026-01-09T10:00:00Z')).toEqual(new Date('2026-01-12T09:30:00Z'));
        expect(next('0 30 9 * Jan Mon', '2026-01-27T00:00:00Z')).toEqual(new Date('2027-01-04T09:30:00Z'));
        expect(next('0 0 0 1 1,7 *', '2026-02-01T00:00:00Z')).toEqual(new Date('2026-07-01T00:00:00Z'));
        expect(next('*/10 * * * * *', '2026-01-05T08:00:05Z')).toEqual(new Date('2026-01-05T08:00:10Z'));
    });

    it('needs both the day of month and the day of week to match, as NCrontab does (not either, as Vixie cron)', () => {
        // The 13th that is a Friday: February and March 2026, then November.
        expect(next('0 0 0 13 * 5', '2026-01-01T00:00:00Z')).toEqual(new Date('2026-02-13T00:00:00Z'));
        expect(next('0 0 0 13 * 5', '2026-03-14T00:00:00Z')).toEqual(new Date('2026-11-13T00:00:00Z'));
    });

    it('is strictly after the given time, whatever the milliseconds', () => {
        expect(next('*/30 * * * * *', '2026-01-05T08:00:30.000Z')).toEqual(new Date('2026-01-05T08:01:00Z'));
        expect(next('*/30 * * * * *', '2026-01-05T08:00:29.999Z')).toEqual(new Date('2026-01-05T08:00:30Z'));
    });

    it('rejects what the Functions host would not run', () => {
        expect(() => parseNcrontab('*/2 * * * *')).toThrow(/6 NCRONTAB fields/);
        expect(() => parseNcrontab('0 0 0 * * * 2026')).toThrow(/6 NCRONTAB fields/);
        expect(() => parseNcrontab('0 61 * * * *')).toThrow(/minute/);
        expect(() => parseNcrontab('0 L * * * *')).toThrow(/not valid|NCRONTAB/);
        // croner's own extensions: last day, nearest weekday, nth weekday, "?", and nicknames.
        for (const extension of ['0 0 0 L * *', '0 0 0 15W * *', '0 0 0 * * 5#2', '0 0 0 ? * *', '@daily']) {
            expect(() => parseNcrontab(extension), extension).toThrow();
        }
    });

    it("runs the app's timers on their registered schedules (functions/index.ts)", () => {
        const timers = FUNCTIONS.flatMap((fn) => (fn.trigger === 'timer' ? [fn] : []));
        const schedule = (name: string) => {
            const found = timers.find((t) => t.name === name);
            if (found === undefined) throw new Error(`${name} is not a timer of the app`);
            return parseNcrontab(found.options.schedule);
        };
        const ticks = (name: string, from: string, count: number) => {
            const out: string[] = [];
            let t = at(from);
            for (let i = 0; i < count; i++) {
                t = schedule(name).nextAfter(t) ?? Number.NaN;
                out.push(new Date(t).toISOString());
            }
            return out;
        };
        expect(timers.map((t) => t.name).sort()).toEqual(['entraConfirmationTimer', 'reconcileTimer']);
        // Reconcile: every two minutes, on the minute.
        expect(ticks('reconcileTimer', '2026-01-05T08:01:59Z', 3)).toEqual([
            '2026-01-05T08:02:00.000Z',
            '2026-01-05T08:04:00.000Z',
            '2026-01-05T08:06:00.000Z',
        ]);
        // Entra ID confirmation: every 30 seconds.
        expect(ticks('entraConfirmationTimer', '2026-01-05T08:00:10Z', 3)).toEqual([
            '2026-01-05T08:00:30.000Z',
            '2026-01-05T08:01:00.000Z',
            '2026-01-05T08:01:30.000Z',
        ]);
    });
});

describe('LocalQueue', () => {
    it('delivers scheduled messages at their time, in order, and redelivers after a failure', async () => {
        const clock = new ScaledClock(1000);
        const queue = new LocalQueue('q', { clock, log: silentLogger, maxBatch: 1, maxDeliveryCount: 2 });
        const seen: string[] = [];
        let failOnce = true;
        const done = new Promise<void>((resolve) => {
            queue.subscribe((messages: readonly LocalMessage[]) => {
                const body = String(messages[0]?.body);
                if (body === 'flaky' && failOnce) {
                    failOnce = false;
                    return Promise.reject(new Error('boom'));
                }
                seen.push(`${body}#${messages[0]?.deliveryCount}`);
                if (seen.length === 3) resolve();
                return Promise.resolve();
            });
        });
        const now = clock.now();
        queue.send('late', now + 60_000);
        queue.send('flaky', now + 1_000);
        queue.send('soon', now + 2_000);
        await done;
        queue.close();
        // The abandoned message comes back after the redelivery pause (1 s real), behind the later one.
        expect(seen).toEqual(['soon#1', 'late#1', 'flaky#2']);
    });

    it('dead-letters after the maximum delivery count', async () => {
        const clock = new ScaledClock(1000);
        const queue = new LocalQueue('q', { clock, log: silentLogger, maxBatch: 10, maxDeliveryCount: 2 });
        let calls = 0;
        queue.subscribe(() => {
            calls++;
            return Promise.reject(new Error('always'));
        });
        queue.send('poison');
        for (let i = 0; i < 100 && queue.deadLettered.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        queue.close();
        expect(calls).toBe(2);
        expect(queue.deadLettered.map((m) => m.body)).toEqual(['poison']);
    });

    it('carries wake-ups as {targetId, token} scheduled for their time', async () => {
        const clock = new ScaledClock(1);
        const queue = new LocalQueue('control', { clock, log: silentLogger, maxBatch: 1 });
        const sequence = await queueWakeScheduler(queue).schedule({
            targetId: 't',
            token: 'w1',
            at: clock.now() + 3_600_000,
        });
        expect(sequence).toBe('1');
        expect(queue.pending).toBe(1);
        queue.close();
    });
});

describe('httpRoutes', () => {
    const fn = (name: string, route: string | undefined): FunctionRegistration => ({
        name,
        trigger: 'http',
        options: { ...(route === undefined ? {} : { route }), handler: () => ({ status: 204 }) },
    });
    const matcher = (routes: ReturnType<typeof httpRoutes>) => (path: string) =>
        routes.find((r) => matchTemplate(r.template, path.slice(1).split('/')) !== null)?.functionName ?? null;

    it('serves the app registrations under the route prefix, in registration order', () => {
        const routes = httpRoutes(FUNCTIONS, 'api');
        expect(routes.map((r) => r.functionName)).toEqual([
            'postSyncRequests',
            'postInitialSyncRequests',
            'getSyncRequestStatus',
            'openApi',
            'statusPage',
        ]);
        const match = matcher(routes);
        expect(match('/api/sync/requests')).toBe('postSyncRequests');
        expect(match('/api/sync/requests/abc')).toBe('getSyncRequestStatus');
        expect(match('/api/status')).toBe('statusPage');
        expect(match('/api/status/page')).toBe('statusPage');
        expect(match('/api/status/page2')).toBeNull();
        expect(match('/api/statusx')).toBeNull();
        expect(match('/sync/requests')).toBeNull();
    });

    it("takes the host's defaults: the function's name as route, GET and POST, anonymous", () => {
        const [route] = httpRoutes([fn('ping', undefined)], '');
        expect(route).toMatchObject({ functionName: 'ping', methods: ['GET', 'POST'], authLevel: 'anonymous' });
        expect(matcher(httpRoutes([fn('ping', undefined)], ''))('/ping')).toBe('ping');
    });

    it('refuses at start a template the host would refuse', () => {
        expect(() => httpRoutes([fn('bad', 'things/{id:nosuch}')], 'api')).toThrow(/could not be resolved/);
    });
});

describe('mergeLocalSettings', () => {
    it('lets local.settings.json override the built-in defaults and the environment override both', () => {
        const merged = mergeLocalSettings(
            { AUTOMATION_MODE: 'azure', SYNC_QUIET_SECONDS: '5', AzureWebJobsStorage: '' },
            { SYNC_QUIET_SECONDS: '7' },
        );
        expect(merged.SYNC_TARGETS).toBe(LOCAL_DEFAULTS.SYNC_TARGETS);
        expect(merged.AUTOMATION_MODE).toBe('azure');
        expect(merged.SYNC_QUIET_SECONDS).toBe('7');
        expect(merged.AzureWebJobsStorage).toBeUndefined();
    });
});
