import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
    answerStart,
    beginRunbook,
    bindRunbookParameters,
    continueRunbook,
    type RunbookParameters,
    type RunbookSettings,
    type RunbookStep,
    type ServerReading,
    type StartAnswer,
} from '../../../src/adapters/simulatedConnect/runbook';
import { resultLine, type RunbookResult, type RunRecord } from '../../../src/adapters/simulatedConnect/runbookResult';
import { parseRunbookOutput } from '../../../src/domain/runbookResult';

/*
 * The model of the runbook (src/adapters/simulatedConnect/runbook.ts) against the script's own behaviour, case by
 * case as the Pester suite (infra/runbooks/tests/Start-EntraSyncCycle.Tests.ps1) drives the script: PollSeconds 10,
 * BusyWaitSeconds 600, BusyRetryCount 3, BusyRetrySeconds 30, TimeoutSeconds 600; the script's cycle starts at
 * 08:00:00 and its runs are an import, a synchronization and an export.
 */
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const s = (seconds: number): number => T0 + seconds * 1000;
const runbookText = readFileSync(join(__dirname, '../../../infra/runbooks/Start-EntraSyncCycle.ps1'), 'utf8');

const SETTINGS: RunbookSettings = {
    pollMs: 10_000,
    busyWaitMs: 600_000,
    busyRetryCount: 3,
    busyRetryMs: 30_000,
    resultCollectionMs: 0,
};
const PARAMETERS: RunbookParameters = {
    policy: 'Delta',
    timeoutMs: 600_000,
    correlationId: '4BF92F3577B34DA6A3CE929D0E0E4736',
    notBefore: null,
};

interface ScriptedCycle {
    readonly id: number;
    readonly startedAt: number;
    readonly endsAt: number;
    readonly runs: readonly RunRecord[];
}

/** A run of a scripted cycle, `at` to `at + length` seconds. */
function run(runProfile: string, at: number, length = 10, extra: Partial<RunRecord> = {}): RunRecord {
    const connector = runProfile === 'Export' ? 'contoso.onmicrosoft.com - AAD' : 'corp.contoso.com';
    return {
        connector,
        runProfile,
        result: 'success',
        startedAt: s(at),
        endedAt: s(at + length),
        adds: 0,
        updates: 1,
        deletes: 0,
        errors: 0,
        exportErrors: 0,
        ...extra,
    };
}

/** Its own cycle's runs, as the Pester suite's default mock lists them (offsets from its start). */
const OWN_RUNS = (start: number) => [
    run('Delta Import', start + 1),
    run('Delta Synchronization', start + 12),
    run('Export', start + 30),
];

/**
 * A Connect server whose cycles are scripted: someone else's (`cycles`) and the one the runbook starts, which runs
 * `ownSeconds` with the runs `ownRuns` gives it. `refusals` start attempts are refused as busy; at `flickerAt` the
 * own cycle reads idle for one reading (between two steps).
 */
class ScriptedServer {
    readonly cycles: ScriptedCycle[];
    readonly starts: number[] = [];
    readonly readings: number[] = [];
    stagingMode = false;
    schedulerSuspended = false;

    constructor(
        cycles: readonly Omit<ScriptedCycle, 'id'>[] = [],
        private readonly own: { seconds: number; runs: (start: number) => RunRecord[]; refusals?: number } = {
            seconds: 45,
            runs: OWN_RUNS,
        },
        private readonly flickerAt: number | null = null,
    ) {
        this.cycles = cycles.map((c, i) => ({ ...c, id: i + 1 }));
    }

    reading(at: number): ServerReading {
        this.readings.push(at);
        const running = this.cycles.find((c) => c.startedAt <= at && at < c.endsAt && at !== this.flickerAt);
        // Busy until the cycle's end, or until the flicker when it comes first.
        const flicker = this.flickerAt !== null && this.flickerAt > at ? this.flickerAt : Number.POSITIVE_INFINITY;
        const endsAt = running === undefined ? 0 : Math.min(running.endsAt, flicker);
        return {
            stagingMode: this.stagingMode,
            schedulerSuspended: this.schedulerSuspended,
            running: running === undefined ? null : { id: running.id, startedAt: running.startedAt, endsAt },
            history: (id) => ({ runs: (this.cycles[id - 1]?.runs ?? []).filter((r) => r.startedAt <= at) }),
        };
    }

    start(at: number): StartAnswer {
        if ((this.own.refusals ?? 0) > this.starts.length) {
            this.starts.push(at);
            return { kind: 'busy', message: 'Connector: contoso.onmicrosoft.com - AAD is busy.' };
        }
        this.starts.push(at);
        const startSeconds = (at - T0) / 1000;
        const cycle = { id: this.cycles.length + 1, startedAt: at, endsAt: at + this.own.seconds * 1000 };
        this.cycles.push({ ...cycle, runs: this.own.runs(startSeconds) });
        return { kind: 'started', cycleId: cycle.id };
    }
}

/** Plays the model from pickup at `pickupAt` to its line. */
function play(
    server: ScriptedServer,
    parameters: Partial<RunbookParameters> = {},
    settings: Partial<RunbookSettings> = {},
    pickupAt = T0,
): { readonly result: RunbookResult; readonly at: number; readonly waits: number } {
    const p = { ...PARAMETERS, ...parameters };
    let at = pickupAt;
    let waits = 0;
    let step: RunbookStep = beginRunbook(p, { ...SETTINGS, ...settings }, at, server.reading(at));
    for (let i = 0; i < 10_000; i++) {
        if (step.beganWaiting) waits++;
        const action = step.action;
        if (action.kind === 'finish') return { result: action.result, at: action.at, waits };
        if (action.kind === 'startCycle') {
            step = answerStart(step.state, at, server.start(at), server.reading(at));
            continue;
        }
        expect(action.at).toBeGreaterThanOrEqual(at);
        at = action.at;
        step = continueRunbook(step.state, at, server.reading(at));
    }
    throw new Error('the runbook never wrote its line');
}

/** The line as the app reads it (the real adapter's parser). */
function parsed(result: RunbookResult) {
    const output = parseRunbookOutput(resultLine(result));
    if (!output.ok) throw new Error(output.reason);
    return output;
}

describe('the model of the runbook', () => {
    it('starts a delta cycle, reads one poll later, ends at its second idle reading and reports its own runs', () => {
        const server = new ScriptedServer();
        const { result, at } = play(server);
        expect(server.starts).toEqual([T0]);
        // Busy at 08:00:10 to :40 (ours runs to :45), idle at :50 and 08:01:00.
        expect(at).toBe(s(60));
        expect(result).toMatchObject({
            outcome: 'Succeeded',
            reason: 'Delta cycle completed on 2 connector(s)',
            correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
            cycleStartedAt: T0,
            cycleEndedAt: s(60),
            importStartedAt: s(1),
            busyRetries: 0,
            waitedForRunningCycleSeconds: 0,
        });
        expect(result.connectors.map((c) => c.runProfile)).toEqual(['Delta Import', 'Delta Synchronization', 'Export']);
    });

    it('writes the line the script writes: its fields in New-CycleResult order, times with seven fraction digits', () => {
        const line = resultLine(play(new ScriptedServer()).result);
        const body = /function New-CycleResult \{\s*\[ordered\]@\{([\s\S]*?)\n {4}\}/.exec(runbookText)?.[1] ?? '';
        const fields = [...body.matchAll(/^\s+(\w+)\s+=/gm)].map((m) => m[1]);
        expect(fields).toHaveLength(13);
        expect(Object.keys(JSON.parse(line) as object)).toEqual(fields);
        expect(line).toContain('"cycleStartedAt":"2026-01-05T08:00:00.0000000Z"');
        expect(line).not.toContain('\n');
        // The connectors' fields as Complete-FromRunResults writes them.
        const connector = (JSON.parse(line) as { connectors: object[] }).connectors[0] ?? {};
        expect(Object.keys(connector)).toEqual([
            'connector',
            'runProfile',
            'result',
            'startedAt',
            'endedAt',
            'adds',
            'updates',
            'deletes',
            'errors',
        ]);
        expect(parsed(play(new ScriptedServer()).result).importStartedAt?.getTime()).toBe(s(1));
    });

    it('never starts a cycle on a staging server or with the scheduler suspended', () => {
        const staging = new ScriptedServer();
        staging.stagingMode = true;
        expect(play(staging).result.outcome).toBe('SkippedStagingMode');
        const suspended = new ScriptedServer();
        suspended.schedulerSuspended = true;
        expect(play(suspended).result).toMatchObject({ outcome: 'SkippedSchedulerSuspended', reason: /suspended/ });
        expect([...staging.starts, ...suspended.starts]).toEqual([]);
    });

    it('waits for someone else’s cycle: idle on two readings PollSeconds apart, then starts ours', () => {
        const server = new ScriptedServer([{ startedAt: T0 - 5_000, endsAt: s(95), runs: [] }]);
        const { result, waits } = play(server);
        // Busy at 08:00:00 and every 10 s to 08:01:30; idle at 08:01:40 and :50: it starts there.
        expect(server.starts).toEqual([s(110)]);
        expect(waits).toBe(1);
        expect(result).toMatchObject({
            outcome: 'Succeeded',
            waitedForRunningCycleSeconds: 110,
            importStartedAt: s(111),
        });
    });

    it('gives up with BusyTimeout when someone else’s cycle outlasts BusyWaitSeconds, starting nothing', () => {
        const server = new ScriptedServer([{ startedAt: T0 - 5_000, endsAt: s(5 * 3600), runs: [] }]);
        const { result, at } = play(server, {}, { busyWaitMs: 120_000 });
        expect(server.starts).toEqual([]);
        expect(at).toBe(s(120));
        expect(result).toMatchObject({
            outcome: 'BusyTimeout',
            importStartedAt: null,
            waitedForRunningCycleSeconds: 120,
        });
    });

    it('starts at once when NotBefore is past, and reports it', () => {
        const server = new ScriptedServer();
        const { result } = play(server, { notBefore: s(-60) });
        expect(server.starts).toEqual([T0]);
        expect(resultLine(result)).toContain('"notBefore":"2026-01-05T07:59:00.0000000Z"');
    });

    it('sleeps whole seconds until a NotBefore ahead, then starts', () => {
        const server = new ScriptedServer();
        play(server, { notBefore: s(119.5) });
        expect(server.starts).toEqual([s(120)]);
    });

    it('waits again for a cycle someone started while it slept until NotBefore', () => {
        const server = new ScriptedServer([{ startedAt: s(90), endsAt: s(180), runs: [] }]);
        const { result } = play(server, { notBefore: s(120) });
        // Woken at 08:02:00: busy, and every 10 s to 08:02:50; idle at 08:03:00 and :10.
        expect(server.starts).toEqual([s(190)]);
        expect(result.waitedForRunningCycleSeconds).toBe(70);
    });

    it('reports BusyTimeout at once, without sleeping, when NotBefore lies beyond BusyWaitSeconds', () => {
        const server = new ScriptedServer();
        const { result, at } = play(server, { notBefore: s(1200) });
        expect(at).toBe(T0);
        expect(server.starts).toEqual([]);
        expect(result.reason).toMatch(
            /^NotBefore 2026-01-05T08:20:00\.0000000Z is later than the busy budget of 600 seconds/,
        );
    });

    it('retries a start refused as busy a bounded number of times, then reports BusyTimeout', () => {
        const server = new ScriptedServer([], { seconds: 45, runs: OWN_RUNS, refusals: 10 });
        const { result } = play(server);
        // Each refusal: a wait for idle (two readings, 10 s apart) and BusyRetrySeconds.
        expect(server.starts).toEqual([T0, s(40), s(80)]);
        expect(result).toMatchObject({
            outcome: 'BusyTimeout',
            busyRetries: 3,
            reason: /after 3 start attempts: .*is busy/,
        });
    });

    it('recovers when a refusal passes, and counts it', () => {
        const server = new ScriptedServer([], { seconds: 45, runs: OWN_RUNS, refusals: 1 });
        const { result } = play(server);
        expect(server.starts).toEqual([T0, s(40)]);
        expect(result).toMatchObject({ outcome: 'Succeeded', busyRetries: 1, cycleStartedAt: s(40) });
    });

    it('reports TimedOut with the runs seen so far, its import start and no end', () => {
        const server = new ScriptedServer([], { seconds: 36_000, runs: OWN_RUNS });
        const { result, at } = play(server, { timeoutMs: 120_000 });
        expect(at).toBe(s(120));
        expect(result).toMatchObject({
            outcome: 'TimedOut',
            cycleEndedAt: null,
            importStartedAt: s(1),
            reason: 'The cycle was still running after 120 seconds',
        });
        expect(result.connectors).toHaveLength(3);
        expect(result.connectors[0]?.counters).toBeUndefined();
    });

    it('decides its outcome from its own runs: export errors, failed run profiles, none at all', () => {
        const withErrors = (start: number) => [
            run('Delta Import', start + 1),
            run('Export', start + 30, 10, { result: 'completed-export-errors', errors: 2, exportErrors: 2 }),
        ];
        expect(play(new ScriptedServer([], { seconds: 45, runs: withErrors })).result).toMatchObject({
            outcome: 'CompletedWithExportErrors',
            exportErrors: 2,
            reason: 'Cycle completed; 2 export error(s) on contoso.onmicrosoft.com - AAD',
        });
        const failed = (start: number) => [run('Delta Import', start + 1, 10, { result: 'no-start-connection' })];
        expect(play(new ScriptedServer([], { seconds: 45, runs: failed })).result).toMatchObject({
            outcome: 'Failed',
            reason: 'Run profiles failed: corp.contoso.com Delta Import: no-start-connection',
        });
        const warnings = (start: number) => [run('Delta Import', start + 1, 10, { result: 'completed-warnings' })];
        expect(play(new ScriptedServer([], { seconds: 45, runs: warnings })).result.outcome).toBe('Succeeded');
        expect(play(new ScriptedServer([], { seconds: 45, runs: () => [] })).result.outcome).toBe('Failed');
    });

    describe('the end of its own cycle, when the next cycle follows it closely', () => {
        it('ends at its first idle reading when the next cycle starts before its second, and reports only its own runs', () => {
            // Ours ends at 08:00:45: idle at :50; the next cycle starts at :55, so the reading at 08:01:00 is busy.
            const server = new ScriptedServer([{ startedAt: s(55), endsAt: s(100), runs: [run('Delta Import', 55)] }]);
            const { result, at } = play(server);
            expect(at).toBe(s(60));
            expect(result).toMatchObject({ outcome: 'Succeeded', cycleEndedAt: s(50) });
            expect(result.connectors).toHaveLength(3);
        });

        it('ends at its own last run when the next cycle starts less than a poll after its end, with no idle reading between', () => {
            // The next cycle starts at 08:00:47: busy at :40 (ours) and at :50 (the next one).
            const server = new ScriptedServer([{ startedAt: s(47), endsAt: s(100), runs: [run('Delta Import', 47)] }]);
            const { result, at } = play(server);
            expect(at).toBe(s(50));
            // Its export ran 08:00:30 to :40, the end of its last run by the run history.
            expect(result).toMatchObject({ outcome: 'Succeeded', cycleEndedAt: s(40) });
            expect(result.connectors.map((c) => c.runProfile)).toEqual([
                'Delta Import',
                'Delta Synchronization',
                'Export',
            ]);
        });

        it('keeps waiting through a reading between two of its own steps', () => {
            const runs = (start: number) => [
                run('Delta Import', start + 1),
                run('Delta Synchronization', start + 25),
                run('Export', start + 35),
            ];
            const server = new ScriptedServer([], { seconds: 45, runs }, s(20));
            const { result } = play(server);
            // Idle at 08:00:20 only; busy at :30 and :40 (its own cycle, by the history); idle at :50 and 08:01:00.
            expect(server.readings).toContain(s(20));
            expect(result.cycleEndedAt).toBe(s(60));
        });
    });

    it('reads the server continuously with PollSeconds 0: it starts, and sees its own end, the instant a cycle ends', () => {
        const server = new ScriptedServer([{ startedAt: T0 - 5_000, endsAt: s(30), runs: [] }]);
        const { result, at } = play(server, {}, { pollMs: 0, resultCollectionMs: 2_000 });
        expect(server.starts).toEqual([s(30)]);
        expect(result.cycleEndedAt).toBe(s(75));
        expect(at).toBe(s(77));
    });

    it('binds NotBefore as the script does: ISO 8601 UTC with Z and a real date, else the job fails at binding', () => {
        const parameters = { PolicyType: 'Delta', TimeoutSeconds: 3600, CorrelationId: 'c'.repeat(32) } as const;
        expect(bindRunbookParameters({ ...parameters, NotBefore: '2026-12-01T06:00:00.1234567Z' })).toMatchObject({
            notBefore: Date.UTC(2026, 11, 1, 6, 0, 0, 123),
        });
        for (const text of ['2026-12-01T06:00:00+01:00', '2026-02-30T06:00:00Z', '2026-12-01T24:00:00Z', 'tomorrow']) {
            expect(bindRunbookParameters({ ...parameters, NotBefore: text }), text).toEqual({
                refused: expect.stringMatching(/NotBefore/) as unknown,
            });
        }
    });
});
