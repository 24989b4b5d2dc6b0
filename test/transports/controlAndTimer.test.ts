import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { createControlQueueHandler } from '../../src/transports/serviceBus/controlQueueHandler';
import { createReconcileTimerHandler } from '../../src/transports/timer/reconcileTimerHandler';
import { context, harness, postRequest } from './harness';

function logged(): { ctx: InvocationContext; lines: string[] } {
    const lines: string[] = [];
    const ctx = new InvocationContext({
        invocationId: 'c',
        functionName: 'controlQueue',
        logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
    });
    return { ctx, lines };
}

describe('control queue trigger', () => {
    it('hands a due wake-up to the coordinator, which closes the window and starts the job', async () => {
        const h = harness();
        await h.post(postRequest({ kind: 'joiner' }), context());
        const [wake] = h.wakes.pending();
        if (wake === undefined) throw new Error('no wake scheduled');
        h.clock.set(wake.at);
        h.wakes.takeDue(wake.at);
        await createControlQueueHandler(() => h.services)({ targetId: wake.targetId, token: wake.token }, logged().ctx);
        const state = await h.services.coordinator.readState('contoso');
        expect(state.window).toBeNull();
        expect(state.runs?.ahead?.phase).toBe('active');
        expect(h.jobs.jobs.size).toBe(1);
    });

    it('logs and completes a message that is not a wake-up, and one for an unknown target', async () => {
        const h = harness();
        const handler = createControlQueueHandler(() => h.services);
        const first = logged();
        await handler('{"hello": 1}', first.ctx);
        expect(first.lines.join('\n')).toMatch(/error: Ignored control message: WakeBodyInvalid/);
        const second = logged();
        await handler({ targetId: 'northwind', token: 'northwind:1' }, second.ctx);
        expect(second.lines.join('\n')).toMatch(/unknown target northwind/);
        expect(h.jobs.jobs.size).toBe(0);
    });
});

describe('reconcile timer', () => {
    it('repairs a lost wake-up: the window closes and the job starts without the control queue', async () => {
        const h = harness();
        await h.post(postRequest({ kind: 'joiner' }), context());
        h.wakes.clear();
        h.clock.advance(120_000);
        const { ctx, lines } = logged();
        await createReconcileTimerHandler(() => h.services)(
            {
                isPastDue: false,
                schedule: { adjustForDST: false },
                scheduleStatus: { last: '', next: '', lastUpdated: '' },
            },
            ctx,
        );
        expect(h.jobs.jobs.size).toBe(1);
        expect(h.telemetry.heartbeats.map((b) => b.targetId).sort()).toEqual(['contoso', 'fabrikam']);
        expect(lines.join('\n')).toMatch(/2 targets, 0 stranded requests merged, 0 failures/);
    });
});
