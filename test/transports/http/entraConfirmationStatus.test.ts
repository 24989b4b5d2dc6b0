import type { Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { MemoryConfirmationStore } from '../../../src/adapters/confirmations/memoryConfirmationStore';
import {
    ManualClock,
    MemoryAutomationJobs,
    MemoryRequestStore,
    MemoryTargetStateStore,
    MemoryTelemetry,
    MemoryWakeScheduler,
} from '../../../src/adapters/memory';
import { MemoryInvalidMessageSink } from '../../../src/adapters/memory/memoryInvalidMessageSink';
import { createServices } from '../../../src/composition/createServices';
import { loadConfig } from '../../../src/config/loadConfig';
import { silentLogger } from '../../../src/ports/logger';
import { createGetSyncRequestStatusHandler } from '../../../src/transports/http/getSyncRequestStatus';
import { createPostSyncRequestsHandler } from '../../../src/transports/http/postSyncRequests';
import { createEntraConfirmationTimerHandler } from '../../../src/transports/timer/entraConfirmationTimerHandler';
import { FakeDirectory } from '../../support/fakeDirectory';
import { BASE_ENV, bodyOf, context, getRequest, headerOf, postRequest } from '../harness';

const DELAY_MS = 120_000;

const TIMER: Timer = {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function world() {
    const config = loadConfig({ ...BASE_ENV, ENTRA_CONFIRMATION: 'on' });
    const clock = new ManualClock();
    const wakes = new MemoryWakeScheduler();
    const jobs = new MemoryAutomationJobs(clock);
    const directory = new FakeDirectory();
    const services = createServices(config, {
        clock,
        store: new MemoryTargetStateStore(),
        requests: new MemoryRequestStore(),
        wakes,
        jobs,
        telemetry: new MemoryTelemetry(),
        invalidMessages: new MemoryInvalidMessageSink(),
        log: silentLogger,
        entraConfirmation: {
            store: new MemoryConfirmationStore(),
            directory,
            settings: {
                extraRunDelayMs: DELAY_MS,
                maxExtraRuns: 1,
                batchSize: 100,
                retentionMs: 86_400_000,
                lookupsPerPass: 300,
                lookupDeadlineMs: 900_000,
            },
        },
    });
    const resolve = () => services;
    const post = createPostSyncRequestsHandler(resolve);
    const get = createGetSyncRequestStatusHandler(resolve);
    const confirmTimer = createEntraConfirmationTimerHandler(resolve);
    const runTimer = (): Promise<void> => confirmTimer(TIMER, context());
    /**
     * Lets time pass: every wake-up due is delivered, and (unless `timer` is false) the confirmation timer runs every
     * 30 s, as in Azure.
     */
    const advance = async (ms: number, timer = true): Promise<void> => {
        const until = clock.now() + ms;
        while (clock.now() < until) {
            const step = Math.min(30_000, until - clock.now());
            const next = wakes.nextAt();
            clock.set(next !== null && next <= clock.now() + step ? Math.max(next, clock.now()) : clock.now() + step);
            for (const wake of wakes.takeDue(clock.now())) await services.coordinator.onWake(wake.targetId, wake.token);
            if (timer) await runTimer();
        }
    };
    return { services, clock, jobs, directory, post, get, advance, runTimer };
}

async function postJoiner(w: ReturnType<typeof world>, upn: string): Promise<string> {
    const accepted = await w.post(postRequest({ kind: 'joiner', upn }), context());
    expect(accepted.status).toBe(202);
    return headerOf(accepted, 'location') ?? '';
}

describe('GET status with ENTRA_CONFIRMATION=on', () => {
    it('stays 202 "confirming" after the cycle succeeded until the object is seen, then 200 confirmed in Entra ID', async () => {
        const w = world();
        const location = await postJoiner(w, 'new@contoso.com');
        // The cycle runs and succeeds; the confirmation timer has not run yet.
        await w.advance(10 * 60_000, false);
        const afterCycle = await w.get(getRequest(location), context());
        expect(afterCycle.status).toBe(202);
        expect(headerOf(afterCycle, 'retry-after')).toEqual(expect.any(String));
        expect(bodyOf(afterCycle)).toMatchObject({ state: 'succeeded', entra: { state: 'confirming' } });

        w.directory.show('new@contoso.com');
        await w.runTimer();
        const final = await w.get(getRequest(location), context());
        expect(final.status).toBe(200);
        expect(bodyOf(final)).toMatchObject({
            state: 'succeeded',
            entra: { state: 'confirmed', confirmedAt: expect.any(String), extraRuns: 0 },
        });
    });

    it('after exactly one extra run, answers 424 NOT_VISIBLE_IN_ENTRA (a failing Logic Apps action)', async () => {
        const w = world();
        const location = await postJoiner(w, 'missing@contoso.com');
        await w.advance(30 * 60_000);
        const final = await w.get(getRequest(location), context());
        expect(final.status).toBe(424);
        expect(bodyOf(final)).toMatchObject({
            code: 'NOT_VISIBLE_IN_ENTRA',
            state: 'notVisibleInEntra',
            entra: { state: 'notVisibleInEntra', extraRuns: 1, reason: 'neverSynced' },
        });
        // The request's own job and the one extra run's: no more.
        expect(w.jobs.jobs.size).toBe(2);
    });

    it('a request naming no object answers as without the setting', async () => {
        const w = world();
        const accepted = await w.post(postRequest({ kind: 'manual', target: 'contoso' }), context());
        const location = headerOf(accepted, 'location') ?? '';
        await w.advance(10 * 60_000);
        const final = await w.get(getRequest(location), context());
        expect(final.status).toBe(200);
        expect(bodyOf(final)).not.toHaveProperty('entra');
    });
});
