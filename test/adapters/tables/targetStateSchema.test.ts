import { describe, expect, it } from 'vitest';

import {
    runSummarySchema,
    STORED_STATE_VERSION,
    storedDocument,
    targetStateSchema,
} from '../../../src/adapters/tables/targetStateSchema';
import { richState, runSummary } from '../../support/targetStateFixtures';

const at = Date.UTC(2026, 0, 5, 8, 0, 0);

/** A finished run as 0.1.0 stored it: copies of its report, flat counts and job fields. */
const summaryV0 = {
    targetId: 'contoso',
    seq: 2,
    attempts: 1,
    policy: 'Delta',
    jobName: 'job-2',
    changeCount: 3,
    urgentCount: 1,
    requestCount: 2,
    kinds: { joiner: 1, mover: 2 },
    correlationId: 'corr-2',
    firstChangeAt: at - 90_000,
    firstUrgentAt: at - 90_000,
    windowClosedAt: at - 85_000,
    jobCreatedAt: at - 84_900,
    jobStartedAt: at - 80_000,
    endedAt: at - 40_000,
    outcome: 'Succeeded',
    reason: null,
    exportErrors: 0,
    lastStatus: 'Completed',
    report: { outcome: 'Succeeded', exportErrors: 0, cycleStartedAt: at - 79_000, cycleEndedAt: at - 41_000 },
};

/** A state as the first 0.1.0 builds stored it: no epoch, no lead, no queued run, no joins (fields added later). */
const stateV0 = {
    targetId: 'contoso',
    nextSeq: 5,
    window: {
        seq: 4,
        policy: 'Initial',
        firstChangeAt: at,
        lastChangeAt: at + 1_500,
        firstUrgentAt: null,
        changeCount: 12,
        urgentCount: 0,
        requestCount: 4,
        kinds: { attribute: 12 },
        correlationId: 'corr-4',
    },
    run: {
        seq: 3,
        attempt: 1,
        phase: 'active',
        policy: 'Delta',
        changeCount: 5,
        urgentCount: 0,
        requestCount: 5,
        kinds: { group: 5 },
        correlationId: 'corr-3',
        firstChangeAt: at - 60_000,
        firstUrgentAt: null,
        windowClosedAt: at - 30_000,
        lastError: null,
        jobName: 'job-3',
        jobCreatedAt: at - 29_000,
        jobStartedAt: null,
        lastStatus: 'Activating',
        nextPollAt: at + 10_000,
        polls: 3,
        workerOfflineReported: false,
        attentionSince: null,
    },
    lastRunStartedAt: at - 29_000,
    wake: { token: 'contoso:17', at: at + 10_000 },
    wakeCounter: 17,
    history: [summaryV0],
    recentRequests: [{ requestId: 'r-1', seq: 3 }],
    lastInitialAcceptedAt: at + 1_500,
};

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('stored target state: versioned, with one migration from 0.1.0', () => {
    it('writes the current version and reads it back unchanged', () => {
        const state = richState('contoso');
        const stored = roundTrip(storedDocument(state));
        expect(stored).toMatchObject({ schemaVersion: STORED_STATE_VERSION });
        expect(targetStateSchema.parse(stored)).toEqual(state);
        const run = runSummary('contoso', 2);
        expect(runSummarySchema.parse(roundTrip(storedDocument(run)))).toEqual(run);
    });

    it('migrates a 0.1.0 state: one tally per count, the pipeline, the spacing anchor, the defaults of 0.1.0', () => {
        const migrated = targetStateSchema.parse(roundTrip(stateV0));
        expect(migrated.window).toMatchObject({
            seq: 4,
            lead: false,
            tally: { policy: 'Initial', changeCount: 12, requestCount: 4, kinds: { attribute: 12 } },
        });
        expect(migrated.runs?.queued).toBeNull();
        expect(migrated.runs?.ahead).toMatchObject({
            seq: 3,
            phase: 'active',
            tally: { changeCount: 5, kinds: { group: 5 } },
            // 0.1.0 counted the timeout from the job's creation and took no change after the window closed.
            timeoutFrom: at - 29_000,
            joinedSince: at - 30_000,
            joins: [],
            lastPollAt: null,
        });
        expect(migrated.spacingFrom).toBe(at - 29_000);
        expect(migrated.history[0]).toMatchObject({
            job: { name: 'job-2', createdAt: at - 84_900, startedAt: at - 80_000, lastStatus: 'Completed' },
            report: { outcome: 'Succeeded', cycleStartedAt: at - 79_000 },
            tally: { changeCount: 3, firstUrgentAt: at - 90_000 },
            carried: null,
        });
    });

    it('gives a state stored before epochs existed the same epoch at every reading until it is saved', () => {
        const first = targetStateSchema.parse(roundTrip(stateV0));
        const again = targetStateSchema.parse(roundTrip(stateV0));
        expect(first.epoch).toMatch(/^[0-9a-f]{8}$/);
        expect(again.epoch).toBe(first.epoch);
        // Restored from before: another lifetime, another epoch.
        expect(targetStateSchema.parse(roundTrip({ ...stateV0, nextSeq: 2 })).epoch).not.toBe(first.epoch);
        expect(targetStateSchema.parse(roundTrip({ ...stateV0, epoch: '7a1e9c04' })).epoch).toBe('7a1e9c04');
    });

    it('migrates a 0.1.0 finished run, and one stored without its report keeps what the copies said', () => {
        expect(runSummarySchema.parse(roundTrip(summaryV0))).toMatchObject({
            seq: 2,
            report: { outcome: 'Succeeded' },
        });
        const failed = { ...summaryV0, outcome: 'Failed', reason: 'The runbook failed', report: null };
        expect(runSummarySchema.parse(roundTrip(failed)).report).toEqual({
            outcome: 'Failed',
            exportErrors: 0,
            reason: 'The runbook failed',
        });
    });

    it('refuses a version it does not know, and a current document with a field missing (no defaults)', () => {
        const state = storedDocument(richState('contoso'));
        expect(targetStateSchema.safeParse({ ...state, schemaVersion: 2 }).success).toBe(false);
        const { spacingFrom: _gone, ...missing } = state;
        expect(targetStateSchema.safeParse(missing).success).toBe(false);
    });
});
