import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock } from '../../src/adapters/memory';
import { parseRunbookOutput } from '../../src/domain/runbookResult';
import { AutomationFake, FAKE_API_VERSION, isIsoInstant } from './automationFake';

/*
 * The fake's model of this project's runbook (oneCyclePerAccount: the model in
 * src/adapters/simulatedConnect/runbook.ts), which the chaos suite's single-flight and coverage checks rest on: a job
 * waits for a cycle running on its account's server and for its NotBefore, and its result line reports when its
 * import started.
 */
const ACCOUNT = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa';
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
let fake: AutomationFake | null = null;
afterEach(async () => {
    await fake?.close();
    fake = null;
});

async function create(f: AutomationFake, name: string, parameters: Record<string, string> = {}): Promise<void> {
    const response = await fetch(`${f.baseUri}${ACCOUNT}/jobs/${name}?api-version=${FAKE_API_VERSION}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { runbook: { name: 'Start-EntraSyncCycle' }, parameters } }),
    });
    expect(response.status).toBe(201);
}

async function output(f: AutomationFake, name: string): Promise<string> {
    const response = await fetch(`${f.baseUri}${ACCOUNT}/jobs/${name}/output?api-version=${FAKE_API_VERSION}`, {
        headers: { authorization: 'Bearer t' },
    });
    return response.text();
}

function lifeOf(f: AutomationFake, name: string): ReturnType<AutomationFake['lifeOf']> {
    const job = f.job(name);
    if (job === undefined) throw new Error(`no job ${name}`);
    return f.lifeOf(job);
}

describe('AutomationFake with oneCyclePerAccount (the runbook wait)', () => {
    it('starts a job picked up during another cycle once that cycle ends, and reports its import start', async () => {
        const clock = new ManualClock(T0);
        fake = await AutomationFake.start({ clock, oneCyclePerAccount: true });
        fake.script('a', { runMs: 60_000 });
        fake.script('b', { pickupDelayMs: 10_000, runMs: 30_000 });
        await create(fake, 'a');
        clock.advance(5_000);
        await create(fake, 'b');

        expect(lifeOf(fake, 'b')).toEqual({
            runbookStartedAt: T0 + 15_000,
            cycle: { startedAt: T0 + 60_000, endedAt: T0 + 90_000 },
            endedAt: T0 + 90_000,
            stopped: false,
        });
        expect(fake.statusOf(fake.job('b') ?? never())).toBe('New');
        clock.set(T0 + 89_000);
        expect(fake.statusOf(fake.job('b') ?? never())).toBe('Running');
        clock.set(T0 + 90_000);
        const parsed = parseRunbookOutput(await output(fake, 'b'));
        expect(parsed.ok ? parsed.importStartedAt?.getTime() : null).toBe(T0 + 60_000);
        expect(parsed.ok ? parsed.report.cycleStartedAt : null).toBe(T0 + 60_000);
    });

    it('starts a queued job not before its NotBefore; a job picked up meanwhile starts first (the runbook keeps no queue)', async () => {
        const clock = new ManualClock(T0);
        fake = await AutomationFake.start({ clock, oneCyclePerAccount: true });
        fake.script('a', { runMs: 20_000 });
        fake.script('b', { runMs: 20_000 });
        fake.script('c', { runMs: 20_000 });
        await create(fake, 'a');
        await create(fake, 'b', { NotBefore: JSON.stringify(new Date(T0 + 50_000).toISOString()) });
        await create(fake, 'c');

        // b waits for a's cycle, then sleeps until its NotBefore; c waits for a's cycle and starts at its end, as
        // the runbook does (it waits for a running cycle, not for other jobs).
        expect(lifeOf(fake, 'a').cycle).toEqual({ startedAt: T0, endedAt: T0 + 20_000 });
        expect(lifeOf(fake, 'c').cycle).toEqual({ startedAt: T0 + 20_000, endedAt: T0 + 40_000 });
        expect(lifeOf(fake, 'b').cycle).toEqual({ startedAt: T0 + 50_000, endedAt: T0 + 70_000 });
    });

    it('frees the server when the cycle ends, while the job runs on for its end lag', async () => {
        const clock = new ManualClock(T0);
        fake = await AutomationFake.start({ clock, oneCyclePerAccount: true });
        fake.script('a', { runMs: 60_000, endLagMs: 20_000 });
        fake.script('b', { runMs: 30_000 });
        await create(fake, 'a');
        await create(fake, 'b');

        expect(lifeOf(fake, 'a')).toMatchObject({ cycle: { endedAt: T0 + 60_000 }, endedAt: T0 + 80_000 });
        expect(lifeOf(fake, 'b').cycle).toEqual({ startedAt: T0 + 60_000, endedAt: T0 + 90_000 });
        clock.set(T0 + 79_000);
        expect(fake.statusOf(fake.job('a') ?? never())).toBe('Running');
        clock.set(T0 + 80_000);
        expect(fake.statusOf(fake.job('a') ?? never())).toBe('Completed');
    });

    it('lets a stopped job free the server at once, and without the option runs every job on its own', async () => {
        const clock = new ManualClock(T0);
        fake = await AutomationFake.start({ clock, oneCyclePerAccount: true });
        fake.script('a', { runMs: 600_000 });
        fake.script('b', { runMs: 10_000 });
        await create(fake, 'a');
        await create(fake, 'b');
        clock.advance(30_000);
        const a = fake.job('a') ?? never();
        a.stopRequestedAt = clock.now();
        expect(lifeOf(fake, 'b').cycle).toEqual({ startedAt: T0 + 30_000, endedAt: T0 + 40_000 });

        const independent = await AutomationFake.start({ clock: new ManualClock(T0) });
        try {
            independent.script('a', { runMs: 600_000 });
            await create(independent, 'a');
            await create(independent, 'b');
            expect(lifeOf(independent, 'b').cycle).toBeNull();
            expect(lifeOf(independent, 'b').endedAt).toBe(T0);
        } finally {
            await independent.close();
        }
    });
});

describe('isIsoInstant', () => {
    it('accepts only what Date.prototype.toISOString() writes', () => {
        expect(isIsoInstant(new Date(T0 + 1).toISOString())).toBe(true);
        for (const text of ['2026-01-05T08:00:00Z', '2026-01-05T08:00:00.000+00:00', '2026-02-30T08:00:00.000Z', ''])
            expect(isIsoInstant(text), text).toBe(false);
    });
});

function never(): never {
    throw new Error('unreachable');
}
