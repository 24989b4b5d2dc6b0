import type { RunSummary, TargetState } from '../../src/domain/targetState';

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
            policy: 'Initial',
            firstChangeAt: at,
            lastChangeAt: at + 1_500,
            firstUrgentAt: at + 1_000,
            lead: false,
            changeCount: 12,
            urgentCount: 2,
            requestCount: 4,
            kinds: { joiner: 2, attribute: 10 },
            correlationId: '0af7651916cd43dd8448eb211c80319c',
        },
        run: {
            seq: historyLength + 1,
            attempt: 2,
            phase: 'active',
            policy: 'Delta',
            changeCount: 5,
            urgentCount: 0,
            requestCount: 5,
            kinds: { group: 5 },
            correlationId: 'b7ad6b7169203331b7ad6b7169203331',
            firstChangeAt: at - 60_000,
            firstUrgentAt: null,
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
        trail: null,
        lastRunStartedAt: at - 29_000,
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
export function runSummary(targetId: string, seq: number, outcome: RunSummary['outcome'] = 'Succeeded'): RunSummary {
    const at = Date.UTC(2026, 0, 5, 7, 0, 0) + seq * 60_000;
    return {
        targetId,
        seq,
        attempts: 1,
        policy: 'Delta',
        jobName: `job-${seq}`,
        changeCount: 3,
        urgentCount: 1,
        requestCount: 2,
        kinds: { joiner: 1, mover: 2 },
        correlationId: `corr-${seq}`,
        firstChangeAt: at,
        firstUrgentAt: at,
        windowClosedAt: at + 5_000,
        jobCreatedAt: at + 5_100,
        jobStartedAt: at + 9_000,
        endedAt: at + 50_000,
        outcome,
        reason: outcome === 'Succeeded' ? null : 'Runbook reported a failure',
        exportErrors: 0,
        lastStatus: outcome === 'Succeeded' ? 'Completed' : 'Failed',
        report: {
            outcome,
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
