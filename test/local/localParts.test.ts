import { describe, expect, it } from 'vitest';

import type { CapturedFunction } from '../../src/local/functionsCore';
import { httpRoutes } from '../../src/local/httpHost';
import { type LocalMessage, LocalQueue, queueWakeScheduler } from '../../src/local/localQueue';
import { LOCAL_DEFAULTS, mergeLocalSettings } from '../../src/local/localSettings';
import { parseNcrontab } from '../../src/local/ncrontab';
import { ScaledClock } from '../../src/local/scaledClock';
import { silentLogger } from '../../src/ports/logger';

describe('parseNcrontab', () => {
    const at = (iso: string) => Date.parse(iso);

    it('finds the next time of the reconcile schedule and other common forms', () => {
        expect(parseNcrontab('0 */2 * * * *').nextAfter(at('2026-01-05T08:01:30Z'))).toBe(at('2026-01-05T08:02:00Z'));
        expect(parseNcrontab('0 */2 * * * *').nextAfter(at('2026-01-05T08:02:00Z'))).toBe(at('2026-01-05T08:04:00Z'));
        expect(parseNcrontab('*/10 * * * * *').nextAfter(at('2026-01-05T08:00:05Z'))).toBe(at('2026-01-05T08:00:10Z'));
        expect(parseNcrontab('0 30 9 * * 1-5').nextAfter(at('2026-01-09T10:00:00Z'))).toBe(at('2026-01-12T09:30:00Z'));
        expect(parseNcrontab('0 0 0 1 1,7 *').nextAfter(at('2026-02-01T00:00:00Z'))).toBe(at('2026-07-01T00:00:00Z'));
    });

    it('rejects what it does not understand', () => {
        expect(() => parseNcrontab('*/2 * * * *')).toThrow(/6 NCRONTAB fields/);
        expect(() => parseNcrontab('0 61 * * * *')).toThrow(/minute/);
        expect(() => parseNcrontab('0 L * * * *')).toThrow(/minute/);
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
    const fn = (name: string, route: string, methods: string[]): CapturedFunction => ({
        name,
        bindings: { trigger: { type: 'httpTrigger', direction: 'in', route, methods, authLevel: 'function' } },
        handler: () => undefined,
    });

    it('matches host-style templates with parameters, optional segments and constraints', () => {
        const routes = httpRoutes(
            [
                fn('status', 'sync/requests/{requestId}', ['GET']),
                fn('post', 'sync/requests', ['POST']),
                fn('page', 'status/{view:regex(^page$)?}', ['GET']),
            ],
            'api',
        );
        expect(routes.map((r) => r.functionName)).toEqual(['post', 'status', 'page']);
        const match = (path: string) => routes.find((r) => r.pattern.test(path))?.functionName ?? null;
        expect(match('/api/sync/requests')).toBe('post');
        expect(match('/api/sync/requests/abc')).toBe('status');
        expect(match('/api/status')).toBe('page');
        expect(match('/api/status/page')).toBe('page');
        expect(match('/api/statusx')).toBeNull();
        expect(match('/sync/requests')).toBeNull();
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
