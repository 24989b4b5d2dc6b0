import { describe, expect, it } from 'vitest';

import type { JobPlan } from '../../../src/adapters/memory';
import { bodyOf, context, getRequest, type Harness, harness, headerOf, postRequest } from '../harness';

interface Poll {
    readonly status: number;
    readonly state: unknown;
    readonly at: number;
}

/** Delivers every wake-up due up to `until`, each at its own time, as the control queue would. */
async function deliverWakesUntil(h: Harness, until: number): Promise<void> {
    for (;;) {
        const next = h.wakes.nextAt();
        if (next === null || next > until) break;
        h.clock.set(next);
        for (const wake of h.wakes.takeDue(h.clock.now()))
            await h.services.coordinator.onWake(wake.targetId, wake.token);
    }
    h.clock.set(until);
}

/**
 * Polls the Location like the Logic Apps HTTP action: wait Retry-After seconds, GET, repeat while 202.
 * The manual clock moves instead of sleeping; wake-ups fall due on the way.
 */
async function pollLikeLogicApps(h: Harness, body: unknown) {
    const accepted = await h.post(postRequest(body), context());
    expect(accepted.status).toBe(202);
    let location = headerOf(accepted, 'location') ?? '';
    let retryAfter = Number(headerOf(accepted, 'retry-after'));
    const polls: Poll[] = [];
    for (let i = 0; i < 500; i++) {
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        await deliverWakesUntil(h, h.clock.now() + retryAfter * 1000);
        const response = await h.getStatus(getRequest(location), context());
        polls.push({ status: response.status ?? 200, state: bodyOf(response).state, at: h.clock.now() });
        if (response.status !== 202) return { accepted, final: response, polls };
        location = headerOf(response, 'location') ?? location;
        retryAfter = Number(headerOf(response, 'retry-after'));
    }
    throw new Error('the request never reached a final status');
}

const plan =
    (report: JobPlan['report']): (() => JobPlan) =>
    () => ({ pickupDelayMs: 5_000, durationMs: 40_000, report });

describe('Logic Apps async polling, end to end on in-memory ports', () => {
    it('polls through window close, job start and completion and ends on 200 with the run', async () => {
        const h = harness();
        const { accepted, final, polls } = await pollLikeLogicApps(h, { kind: 'joiner', upn: 'new@contoso.com' });
        const states = polls.map((p) => p.state);
        // A joiner on an idle target leads: its job is created on acceptance, so no poll finds it waiting.
        expect(states).not.toContain('waiting');
        expect(states[0]).toBe('running');
        expect(polls.slice(0, -1).every((p) => p.status === 202)).toBe(true);

        expect(final.status).toBe(200);
        const body = bodyOf(final);
        expect(body).toMatchObject({ requestId: bodyOf(accepted).requestId, state: 'succeeded', targetId: 'contoso' });
        const run = body.run as Record<string, unknown>;
        expect(run).toMatchObject({ outcome: 'Succeeded', policy: 'Delta', changeCount: 1 });
        expect(typeof run.jobName).toBe('string');
        const started = Date.parse(String(run.jobStartedAt));
        const ended = Date.parse(String(run.endedAt));
        expect(ended - started).toBe(40_000);
        expect(Date.parse(String(run.windowClosedAt))).toBeLessThanOrEqual(Date.parse(String(run.jobCreatedAt)));
        expect(h.jobs.jobs.size).toBe(1);
        // Urgent on an idle target: the window closed on acceptance (lead rule), not after quiet or maxWait.
        const acceptedAt = Date.parse(String(body.acceptedAt));
        expect(Date.parse(String(run.windowClosedAt))).toBe(acceptedAt);
        // Logic Apps saw the final answer within one Retry-After of the run's end.
        expect((polls.at(-1)?.at ?? 0) - ended).toBeLessThanOrEqual(10_000);
    });

    it('reports export errors as 200 partiallySucceeded with the count', async () => {
        const h = harness({}, { plan: plan({ outcome: 'CompletedWithExportErrors', exportErrors: 3 }) });
        const { final } = await pollLikeLogicApps(h, { kind: 'mover' });
        expect(final.status).toBe(200);
        expect(bodyOf(final)).toMatchObject({ state: 'partiallySucceeded', run: { exportErrors: 3 } });
    });

    it('fails the Logic Apps action on a failed cycle: 424 problem+json that carries the run', async () => {
        const h = harness({}, { plan: plan({ outcome: 'Failed', exportErrors: 0, reason: 'stopped-server-down' }) });
        const { final } = await pollLikeLogicApps(h, { kind: 'joiner' });
        expect(final.status).toBe(424);
        expect(headerOf(final, 'content-type')).toBe('application/problem+json');
        expect(bodyOf(final)).toMatchObject({
            code: 'SYNC_FAILED',
            state: 'failed',
            run: { outcome: 'Failed', reason: 'stopped-server-down' },
        });
    });

    it('fails the Logic Apps action on a skipped cycle (staging mode): 409 SYNC_SKIPPED', async () => {
        const h = harness({}, { plan: plan({ outcome: 'SkippedStagingMode', exportErrors: 0 }) });
        const { final } = await pollLikeLogicApps(h, { kind: 'joiner' });
        expect(final.status).toBe(409);
        expect(bodyOf(final)).toMatchObject({ code: 'SYNC_SKIPPED', run: { outcome: 'SkippedStagingMode' } });
    });

    it('follows a request split across targets until both runs ended', async () => {
        const h = harness();
        const { final, polls } = await pollLikeLogicApps(h, {
            changes: [
                { kind: 'joiner', upn: 'a@contoso.com' },
                { kind: 'joiner', upn: 'b@fabrikam.com' },
            ],
        });
        expect(polls.length).toBeGreaterThan(1);
        expect(final.status).toBe(200);
        const targets = bodyOf(final).targets as Record<string, unknown>[];
        expect(targets.map((t) => [t.targetId, t.state])).toEqual([
            ['contoso', 'succeeded'],
            ['fabrikam', 'succeeded'],
        ]);
        expect(h.jobs.jobs.size).toBe(2);
    });

    it('answers 404 problem for an unknown request id', async () => {
        const h = harness();
        const response = await h.getStatus(
            getRequest('https://sync.example.test/api/sync/requests/00000000-0000-4000-8000-000000000000'),
            context(),
        );
        expect(response.status).toBe(404);
        expect(bodyOf(response).code).toBe('REQUEST_NOT_FOUND');
    });
});
