import type { Tally } from '../../src/domain/tally';
import type { RunSummary, TargetState } from '../../src/domain/targetState';

/**
 * A tally with the given counts; the rest empty.
 * @param counts - what to set
 */
export function tally(counts: Partial<Tally> = {}): Tally {
    return {
        policy: 'Delta',
        changeCount: 0,
        urgentCount: 0,
        requestCount: 0,
        kinds: {},
        firstUrgentAt: null,
        ...counts,
    };
}

/**
 * A state with every optional part filled: window, run, wake, history with a full report.
 * @param targetId - the target
 * @param historyLength - how many finished runs to keep
 */
export function richState(targetId: string, historyLength = 3): TargetState {
    const at = Date.UTC(2026, 0, 5, 8, 0, 0);
    return {
        targetId,
        epoch: '7a1e9c04',
        nextSeq: historyLength + 3,
        window: {
            seq: historyLength + 2,
            tally: tally({
                policy: 'Initial',
                changeCount: 12,
                urgentCount: 2,
                requestCount: 4,
                kinds: { joiner: 2, attribute: 10 },
                firstUrgentAt: at + 1_000,
            }),
            firstChangeAt: at,
            lastChangeAt: at + 1_500,
            lead: false,
            correlationId: '0af7651916cd43dd8448eb211c80319c',
        },
        runs: {
            ahead: {
                seq: historyLength + 1,
                attempt: 2,
                phase: 'active',
                tally: tally({ changeCount: 5, requestCount: 5, kinds: { group: 5 } }),
                correlationId: 'b7ad6b7169203331b7ad6b7169203331',
                firstChangeAt: at - 60_000,
                windowClosedAt: at - 30_000,
                joinedSince: at - 30_000,
                joins: [],
                jobName: '5b3e6a8c-3f0e-4f6e-9a53-7a4f9c7d2e11',
                jobCreatedAt: at - 29_000,
                timeoutFrom: at - 29_000,
                jobStartedAt: null,
                lastStatus: 'Activating',
                nextPollAt: at + 10_000,
                lastPollAt: at - 5_000,
                polls: 3,
                workerOfflineReported: false,
                attentionSince: null,
                lastError: 'Simulated 503 from Automation',
            },
            queued: null,
        },
        spacingFrom: at - 29_000,
        wake: { token: `${targetId}:17`, at: at + 10_000 },
        wakeCounter: 17,
        history: Array.from({ length: historyLength }, (_, i) => runSummary(targetId, historyLength - i)),
        recentRequests: [
            { requestId: 'r-1', seq: historyLength + 1 },
            { requestId: 'r-2', seq: historyLength + 2 },
        ],
        lastInitialAcceptedAt: at + 1_500,
    };
}

/**
 * A finished run with a full cycle report.
 * @param targetId - the target
 * @param seq - the run's seq
 * @param outcome - how it ended
 */
export function runSummary(
    targetId: string,
    seq: number,
    outcome: RunSummary['report']['outcome'] = 'Succeeded',
): RunSummary {
    const at = Date.UTC(2026, 0, 5, 7, 0, 0) + seq * 60_000;
    return {
        targetId,
        seq,
        attempts: 1,
        tally: tally({
            changeCount: 3,
            urgentCount: 1,
            requestCount: 2,
            kinds: { joiner: 1, mover: 2 },
            firstUrgentAt: at,
        }),
        correlationId: `corr-${seq}`,
        firstChangeAt: at,
        windowClosedAt: at + 5_000,
        job: {
            name: `job-${seq}`,
            createdAt: at + 5_100,
            startedAt: at + 9_000,
            lastStatus: outcome === 'Succeeded' ? 'Completed' : 'Failed',
        },
        endedAt: at + 50_000,
        report: {
            outcome,
            ...(outcome === 'Succeeded' ? {} : { reason: 'Runbook reported a failure' }),
            exportErrors: 0,
            cycleStartedAt: at + 9_500,
            cycleEndedAt: at + 49_000,
            connectors: [
                { connector: 'contoso.com', runProfile: 'Delta Import', result: 'success', adds: 1, updates: 2 },
                { connector: 'contoso.onmicrosoft.com - AAD', runProfile: 'Export', result: 'success', errors: 0 },
            ],
        },
        carried: null,
    };
}
