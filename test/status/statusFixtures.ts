import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HttpRequest, type HttpResponseInit } from '@azure/functions';

import type { CycleOutcome } from '../../src/domain/cycleOutcome';
import { emptyTargetState, HISTORY_LIMIT, type RunSummary, type TargetState } from '../../src/domain/targetState';
import { DEFAULT_TIMING } from '../../src/domain/timing';
import type { AuthConfig } from '../../src/transports/http/auth';
import type { PortalLinkSettings } from '../../src/transports/http/portalLinks';
import { respondWithStatus, type StatusSource } from '../../src/transports/http/statusHandler';
import { tally } from '../support/targetStateFixtures';

export const SCRIPT_ID = '<script>alert(1)</script>';
export const IMG_REASON = '"><img src=x onerror=alert(1)>';
const NOW = Date.UTC(2026, 0, 5, 8, 30, 0);

const run = (seq: number, outcome: CycleOutcome, reason: string | null, exportErrors = 0): RunSummary => ({
    targetId: SCRIPT_ID,
    seq,
    attempts: 1,
    tally: tally({ changeCount: 3 * seq, urgentCount: 1, requestCount: 2, kinds: { joiner: 1 } }),
    correlationId: `corr-${seq}`,
    firstChangeAt: NOW - seq * 3_600_000 - 90_000,
    windowClosedAt: NOW - seq * 3_600_000 - 60_000,
    job: {
        name: `job-${seq}`,
        createdAt: NOW - seq * 3_600_000 - 59_000,
        startedAt: NOW - seq * 3_600_000 - 50_000,
        lastStatus: 'Completed',
    },
    endedAt: NOW - seq * 3_600_000,
    report: { outcome, exportErrors, ...(reason === null ? {} : { reason }) },
    carried: null,
});

/** One target with hostile strings everywhere text is shown, one healthy plain target, one never used. */
function hostileStates(): Map<string, TargetState> {
    const hostile: TargetState = {
        ...emptyTargetState(SCRIPT_ID, 'e0000001'),
        nextSeq: 5,
        window: {
            seq: 4,
            tally: tally({ policy: 'Initial', changeCount: 7, requestCount: 3, kinds: { attribute: 7 } }),
            firstChangeAt: NOW - 125_000,
            lastChangeAt: NOW - 5_000,
            lead: false,
            correlationId: 'corr-4',
        },
        runs: {
            ahead: {
                seq: 3,
                attempt: 1,
                phase: 'active',
                tally: tally({ changeCount: 2, requestCount: 1, kinds: { attribute: 2 } }),
                correlationId: 'corr-3',
                firstChangeAt: NOW - 400_000,
                windowClosedAt: NOW - 300_000,
                joinedSince: NOW - 300_000,
                joins: [],
                jobName: IMG_REASON,
                jobCreatedAt: NOW - 290_000,
                timeoutFrom: NOW - 290_000,
                jobStartedAt: null,
                lastStatus: 'New',
                nextPollAt: NOW + 15_000,
                lastPollAt: null,
                polls: 4,
                workerOfflineReported: true,
                attentionSince: null,
                lastError: `${SCRIPT_ID} & more`,
            },
            queued: null,
        },
        spacingFrom: NOW - 290_000,
        history: [run(2, 'Failed', IMG_REASON), run(1, 'CompletedWithExportErrors', "It's 2 objects: <b>bold</b>", 2)],
    };
    const healthy: TargetState = {
        ...emptyTargetState('fabrikam', 'e0000001'),
        nextSeq: 2,
        history: [{ ...run(1, 'Succeeded', null), targetId: 'fabrikam' }],
    };
    return new Map([
        [SCRIPT_ID, hostile],
        ['fabrikam', healthy],
        ['northwind', emptyTargetState('northwind', 'e0000001')],
    ]);
}

export const functionKeyAuth: AuthConfig = {
    http: {
        publicBaseUrl: null,
        authMode: 'functionKeys',
        roles: { delta: 'Sync.Request', initial: 'Sync.FullSync', read: 'Sync.Read' },
        initialMinIntervalMs: 3_600_000,
        maxBodyBytes: 1_048_576,
        maxChangesPerRequest: 5000,
        retryAfterSeconds: 10,
    },
};

/** Where a target's jobs run, as the status links need it. */
export const JOB_LOCATION = {
    subscriptionId: '00000000-1111-2222-3333-444444444444',
    resourceGroup: 'rg-sync',
    automationAccount: 'aa-sync',
    runbook: 'Invoke-EntraConnectSync',
};

export const PORTAL: PortalLinkSettings = {
    portalUrl: 'https://portal.azure.com',
    tenantId: 'contoso.onmicrosoft.com',
    appInsightsResourceId:
        '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-sync/providers/Microsoft.Insights/components/appi-sync',
};

export function hostileSource(
    auth: AuthConfig = functionKeyAuth,
    portalLinks: PortalLinkSettings | null = null,
): StatusSource {
    const states = hostileStates();
    return {
        auth,
        workbookUrl: `https://portal.azure.com/#blade/workbook?x="><script>alert(2)</script>`,
        portalLinks,
        targets: new Map([...states.keys()].map((id) => [id, { ...JOB_LOCATION, timing: DEFAULT_TIMING }])),
        readState: (id) => Promise.resolve(states.get(id) ?? emptyTargetState(id, 'e0000001')),
        readRun: () => Promise.resolve(null),
        now: () => NOW,
    };
}

/** A day of runs every 30 minutes ends at {@link NOW}: this many. */
export const DAY_RUNS = 48;
/** The runs of the day that carry a reason (failed or skipped). */
export const DAY_REASONS = new Map<number, [CycleOutcome, string]>([
    [
        DAY_RUNS - 3,
        [
            'Failed',
            'Export to the connector contoso.com failed: stopped-server-down (the AD DS server did not answer).',
        ],
    ],
    [
        DAY_RUNS - 20,
        ['SkippedStagingMode', 'The Connect server is in staging mode: it never exports, so no cycle was run.'],
    ],
    [DAY_RUNS - 33, ['WorkerOffline', 'No Hybrid Worker of group hwg-connect picked the job up within 10 min.']],
]);

/** Run `seq` of the day: one every 30 minutes, the newest (seq {@link DAY_RUNS}) ending at NOW − 5 min. */
function dayRun(seq: number): RunSummary {
    const endedAt = NOW - 5 * 60_000 - (DAY_RUNS - seq) * 30 * 60_000;
    const special = DAY_REASONS.get(seq);
    return {
        targetId: 'contoso',
        seq,
        attempts: 1,
        tally: tally({ changeCount: 1 + (seq % 7), urgentCount: seq % 2, requestCount: 1, kinds: { joiner: 1 } }),
        correlationId: seq.toString(16).padStart(32, 'a'),
        firstChangeAt: endedAt - 150_000,
        windowClosedAt: endedAt - 120_000,
        job: {
            name: `7b0d${String(seq).padStart(4, '0')}-5a8e-5c4e-9a57-2f0f3c7e9d21`,
            createdAt: endedAt - 118_000,
            startedAt: endedAt - 95_000,
            lastStatus: 'Completed',
        },
        endedAt,
        report: {
            outcome: special?.[0] ?? 'Succeeded',
            exportErrors: 0,
            ...(special === undefined ? {} : { reason: special[1] }),
        },
        carried: null,
    };
}

/**
 * One target with a day of runs: the state keeps the newest {@link HISTORY_LIMIT}, the run store all of them
 * (and a few from the day before), as the engine keeps them; a cycle is running now.
 */
export function daySource(portalLinks: PortalLinkSettings | null = PORTAL): StatusSource & { reads: number[] } {
    const all = Array.from({ length: DAY_RUNS + 5 }, (_, i) => dayRun(i - 4)).filter((r) => r.seq >= 1);
    const newestFirst = [...all].sort((a, b) => b.seq - a.seq);
    const state: TargetState = {
        ...emptyTargetState('contoso', 'e0000001'),
        nextSeq: DAY_RUNS + 2,
        history: newestFirst.slice(0, HISTORY_LIMIT),
        runs: {
            queued: null,
            ahead: {
                seq: DAY_RUNS + 1,
                attempt: 1,
                phase: 'active',
                tally: tally({
                    changeCount: 2,
                    urgentCount: 1,
                    requestCount: 1,
                    kinds: { joiner: 2 },
                    firstUrgentAt: NOW - 100_000,
                }),
                correlationId: 'corr-running',
                firstChangeAt: NOW - 100_000,
                windowClosedAt: NOW - 80_000,
                joinedSince: NOW - 80_000,
                joins: [],
                jobName: '7b0d9999-5a8e-5c4e-9a57-2f0f3c7e9d21',
                jobCreatedAt: NOW - 78_000,
                timeoutFrom: NOW - 78_000,
                jobStartedAt: NOW - 60_000,
                lastStatus: 'Running',
                nextPollAt: NOW + 15_000,
                lastPollAt: NOW - 15_000,
                polls: 3,
                workerOfflineReported: false,
                attentionSince: null,
                lastError: null,
            },
        },
        spacingFrom: NOW - 78_000,
    };
    const reads: number[] = [];
    return {
        reads,
        auth: functionKeyAuth,
        workbookUrl: 'https://portal.azure.com/#@contoso.onmicrosoft.com/resource/workbook',
        portalLinks,
        targets: new Map([['contoso', { ...JOB_LOCATION, timing: DEFAULT_TIMING }]]),
        readState: () => Promise.resolve(state),
        readRun: (_id, seq) => {
            reads.push(seq);
            return Promise.resolve(all.find((r) => r.seq === seq) ?? null);
        },
        now: () => NOW,
    };
}

/** The changes of the bulk runs, newest first, and how the page writes each in its narrow column. */
export const BULK_COUNTS: readonly (readonly [number, string])[] = [
    [5_000, '5.0k'],
    [5_011, '5.0k'],
    [12_345, '12k'],
    [999_999, '1.0M'],
    [1_234_567, '1.2M'],
    [7, '7'],
];

/**
 * Bulk runs on one target (thousands to a million changes, an Initial of two hours, a wait of almost a day), and the
 * run in progress stuck: its job has been queued for an offline Hybrid Worker for 10 minutes.
 */
export function bulkSource(): StatusSource {
    const history = BULK_COUNTS.map(([changeCount], i): RunSummary => {
        const run = dayRun(DAY_RUNS - i);
        const counted = { ...run, tally: { ...run.tally, changeCount } };
        if (i === 1 && run.job !== null) {
            const job = { ...run.job, startedAt: run.endedAt - 7_500_000 };
            return { ...counted, tally: { ...counted.tally, policy: 'Initial' }, job };
        }
        if (i === 3) return { ...counted, firstChangeAt: run.endedAt - 86_340_000 };
        return counted;
    });
    const state: TargetState = {
        ...emptyTargetState('contoso', 'e0000001'),
        nextSeq: DAY_RUNS + 2,
        history,
        runs: {
            queued: null,
            ahead: {
                seq: DAY_RUNS + 1,
                attempt: 1,
                phase: 'active',
                tally: tally({ changeCount: 5_000, requestCount: 1, kinds: { attribute: 5_000 } }),
                correlationId: 'corr-stuck',
                firstChangeAt: NOW - 700_000,
                windowClosedAt: NOW - 620_000,
                joinedSince: NOW - 620_000,
                joins: [],
                jobName: '7b0d9999-5a8e-5c4e-9a57-2f0f3c7e9d21',
                jobCreatedAt: NOW - 600_000,
                timeoutFrom: NOW - 600_000,
                jobStartedAt: null,
                lastStatus: 'New',
                nextPollAt: NOW + 15_000,
                lastPollAt: NOW - 15_000,
                polls: 12,
                workerOfflineReported: true,
                attentionSince: null,
                lastError: null,
            },
        },
        spacingFrom: NOW - 600_000,
    };
    return { ...daySource(), readState: () => Promise.resolve(state), readRun: () => Promise.resolve(null) };
}

/** Routes like the function: `/api/status` and `/api/status/page`. */
export function statusRequest(url: string, headers: Record<string, string> = {}): HttpRequest {
    const parsed = new URL(url);
    const view = /^\/api\/status\/(page)$/.exec(parsed.pathname)?.[1];
    return new HttpRequest({
        method: 'GET',
        url,
        headers,
        query: Object.fromEntries(parsed.searchParams),
        params: view === undefined ? {} : { view },
    });
}

export function responseText(response: HttpResponseInit): string {
    if (typeof response.body === 'string') return response.body;
    if (response.jsonBody !== undefined) return JSON.stringify(response.jsonBody);
    return '';
}

/** A loopback HTTP server that answers through the real status handler, as the Functions host would. */
export async function startStatusServer(source: StatusSource): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
        const url = `http://127.0.0.1${req.url ?? '/'}`;
        respondWithStatus(statusRequest(url), source)
            .then((response) => {
                const headers: Record<string, string> = {};
                new Headers(response.headers).forEach((value, key) => (headers[key] = value));
                res.writeHead(response.status ?? 200, headers).end(responseText(response));
            })
            .catch((e: unknown) => res.writeHead(500).end(String(e)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
