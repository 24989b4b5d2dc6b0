import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { beforeAll, describe, expect, it } from 'vitest';

import { readOlderRuns } from '../../src/app/olderRuns';
import { HISTORY_LIMIT } from '../../src/domain/targetState';
import { jobLink, operationLink, operationQuery } from '../../src/transports/http/portalLinks';
import {
    compactCount,
    escapeHtml,
    humanDuration,
    renderStatusPage,
    shortDuration,
    STATUS_PAGE_CSP,
} from '../../src/transports/http/renderStatusPage';
import { buildStatusReport, respondWithStatus } from '../../src/transports/http/statusHandler';
import { changes, Driver, T0 } from '../support/decideDriver';
import { captureAppRegistrations, type CapturedFunction, triggerOf } from '../support/functionsRegistry';
import {
    DAY_REASONS,
    DAY_RUNS,
    daySource,
    functionKeyAuth,
    hostileSource,
    IMG_REASON,
    JOB_LOCATION,
    PORTAL,
    responseText,
    SCRIPT_ID,
    statusRequest,
} from './statusFixtures';

/** Every function src/index.ts registers. */
let all: CapturedFunction[] = [];
beforeAll(async () => {
    all = await captureAppRegistrations();
});

describe('status page function', () => {
    it('registers GET status/{view?} with function keys', () => {
        const statusFunctions = all.filter((f) => f.name === 'statusPage');
        expect(statusFunctions).toHaveLength(1);
        const fn = statusFunctions[0] as CapturedFunction;
        expect(triggerOf(fn)).toMatchObject({
            type: 'httpTrigger',
            route: 'status/{view:regex(^page$)?}',
            authLevel: 'function',
            methods: ['GET'],
        });
    });
});

describe('the read-only key (README, On-call)', () => {
    it('is a key of the function the README names, which only reads the status', () => {
        const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
        const named = [...readme.matchAll(/az functionapp function keys (?:set|delete) .*--function-name (\w+)/g)].map(
            (m) => m[1],
        );
        expect(named.length).toBeGreaterThanOrEqual(2);
        expect(new Set(named)).toEqual(new Set(['statusPage']));
        // That function is GET only, on the status routes only: its keys cannot submit anything.
        const statusFunctions = all.filter((f) => f.name === 'statusPage');
        expect(statusFunctions).toHaveLength(1);
        expect(triggerOf(statusFunctions[0] as CapturedFunction)).toMatchObject({
            methods: ['GET'],
            authLevel: 'function',
        });
        const writers = all.filter((f) => {
            const methods = triggerOf(f).methods;
            return Array.isArray(methods) && methods.includes('POST');
        });
        expect(writers.map((f) => f.name)).toEqual(['postSyncRequests', 'postInitialSyncRequests']);
    });
});

describe('status report', () => {
    it('shows per target the state, the open window, the current run and the last runs', async () => {
        const report = await buildStatusReport(hostileSource());
        expect(report.targets.map((t) => t.targetId)).toEqual([SCRIPT_ID, 'fabrikam', 'northwind']);
        const [hostile, fabrikam, northwind] = report.targets;
        expect(hostile).toMatchObject({
            health: 'failing',
            // Its job is queued for an offline worker: no cycle runs, whatever waits behind it.
            activity: 'workerOffline',
            window: { seq: 4, policy: 'Initial', ageSeconds: 125, changeCount: 7, requestCount: 3 },
            run: { seq: 3, phase: 'active', jobStatus: 'New', workerOffline: true, sinceSeconds: 290 },
            lastSuccessAt: '2026-01-05T07:30:00.000Z',
        });
        expect(hostile?.lastRuns.map((r) => [r.seq, r.outcome, r.durationSeconds, r.waitSeconds])).toEqual([
            [2, 'Failed', 50, 90],
            [1, 'CompletedWithExportErrors', 50, 90],
        ]);
        expect(hostile?.lastRuns[0]).toMatchObject({
            startedAt: '2026-01-05T06:29:10.000Z',
            endedAt: '2026-01-05T06:30:00.000Z',
            jobName: 'job-2',
            correlationId: 'corr-2',
        });
        expect(fabrikam).toMatchObject({ health: 'healthy', activity: 'idle', window: null, run: null });
        expect(northwind).toMatchObject({ health: 'unknown', lastRuns: [], lastSuccessAt: null });
    });
});

describe('a run queued behind the running one', () => {
    it('is its own member of the report, shown on the page as queued behind the running cycle', async () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        d.feed(changes('joiner', { urgent: true }), T0 + 40_000);
        const trail = d.queued;
        if (trail === null) throw new Error('a queued run expected');
        d.feed({ type: 'jobCreated', seq: trail.seq, attempt: 1, jobName: 'job-queued' }, T0 + 41_000);
        const source = { ...hostileSource(), readState: () => Promise.resolve(d.state), now: () => T0 + 50_000 };
        const report = await buildStatusReport(source);
        const target = report.targets[0];
        expect(target).toMatchObject({
            activity: 'waitingAndRunning',
            run: { seq: 1, phase: 'active' },
            queued: { seq: 2, phase: 'active', jobName: 'job-queued', changeCount: 1 },
        });
        const html = renderStatusPage(report);
        expect(html).toContain('<strong>Run #2</strong> queued behind it, waits for the running cycle (job created)');
    });
});

describe('a day of runs', () => {
    it('lists every run of the last 24 hours, reading the ones past the recent history from the run store', async () => {
        const source = daySource();
        const report = await buildStatusReport(source);
        const runs = report.targets[0]?.lastRuns ?? [];
        expect(runs.map((r) => r.seq)).toEqual(Array.from({ length: DAY_RUNS }, (_, i) => DAY_RUNS - i));
        // The history holds the newest HISTORY_LIMIT; the rest are point reads, newest first, and no more.
        expect(source.reads).toEqual(
            Array.from({ length: DAY_RUNS - HISTORY_LIMIT }, (_, i) => DAY_RUNS - HISTORY_LIMIT - i),
        );
    });

    it('reads nothing from the run store when the history is not full or already reaches past the day', async () => {
        const readRun = () => Promise.reject(new Error('must not read'));
        const source = daySource();
        const state = await source.readState('contoso');
        const now = source.now();
        await expect(readOlderRuns(readRun, { ...state, history: state.history.slice(0, 5) }, now)).resolves.toEqual(
            [],
        );
        await expect(readOlderRuns(readRun, state, now + 30 * 86_400_000)).resolves.toEqual([]);
    });

    it('stops at a seq the run store does not have', async () => {
        const source = daySource();
        const state = await source.readState('contoso');
        const older = await readOlderRuns(
            (id, seq) => (seq === 25 ? Promise.resolve(null) : source.readRun(id, seq)),
            state,
            source.now(),
        );
        expect(older.map((r) => r.seq)).toEqual([28, 27, 26]);
    });
});

describe('portal links', () => {
    it('link each run to its telemetry (Logs, by operation id) and its Automation job, from the settings', async () => {
        const report = await buildStatusReport(daySource(PORTAL));
        const run = report.targets[0]?.lastRuns[0];
        if (run === undefined) throw new Error('no run');
        const operation = run.links.operation ?? '';
        const prefix =
            'https://portal.azure.com/#@contoso.onmicrosoft.com/blade/Microsoft_Azure_Monitoring_Logs/LogsBlade/resourceId/' +
            encodeURIComponent(PORTAL.appInsightsResourceId ?? '') +
            '/source/LogsBlade.AnalyticsShareLinkToQuery/q/';
        expect(operation.startsWith(prefix)).toBe(true);
        const [q, timespan] = operation.slice(prefix.length).split('/timespan/');
        const query = gunzipSync(Buffer.from(decodeURIComponent(q ?? ''), 'base64')).toString('utf8');
        expect(query).toBe(operationQuery(run.correlationId));
        expect(query).toContain(`| where operation_Id == "${run.correlationId}"`);
        // From ten minutes before the first change to ten minutes after the end.
        expect(decodeURIComponent(timespan ?? '')).toBe('2026-01-05T08:12:30.000Z/2026-01-05T08:35:00.000Z');

        const account =
            '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-sync/providers/Microsoft.Automation/automationAccounts/aa-sync';
        expect(run.links.job).toBe(
            'https://portal.azure.com/#@contoso.onmicrosoft.com/blade/Microsoft_Azure_Automation/JobDashboardBladeV2/jobResourceId/' +
                encodeURIComponent(`${account}/jobs/${run.jobName ?? ''}`) +
                '/runbookResourceId/' +
                encodeURIComponent(`${account}/runbooks/Invoke-EntraConnectSync`),
        );
        // The running cycle links to its job too (that is where a stuck job is looked at).
        expect(report.targets[0]?.run?.links.job).toContain(encodeURIComponent('/jobs/7b0d9999-'));
    });

    it('leave out every link whose settings are absent: never a broken link', async () => {
        const none = await buildStatusReport(daySource(null));
        const runs = none.targets[0]?.lastRuns ?? [];
        expect(runs.every((r) => r.links.operation === null && r.links.job === null)).toBe(true);
        expect(renderStatusPage(none)).not.toContain('portal.azure.com/#@contoso.onmicrosoft.com/blade');

        const jobsOnly = await buildStatusReport(daySource({ ...PORTAL, appInsightsResourceId: null, tenantId: null }));
        const first = jobsOnly.targets[0]?.lastRuns[0];
        expect(first?.links.operation).toBeNull();
        expect(first?.links.job).toMatch(/^https:\/\/portal\.azure\.com\/#blade\/Microsoft_Azure_Automation\//);
        const html = renderStatusPage(jobsOnly);
        expect(html).not.toContain('>trace</a>');
        expect(html.match(/>job<\/a>/g)).toHaveLength(DAY_RUNS + 1);
    });

    it('link no job for a run that never created one', () => {
        expect(jobLink(PORTAL, JOB_LOCATION, null)).toBeNull();
        expect(operationLink({ ...PORTAL, appInsightsResourceId: null }, {} as never)).toBeNull();
    });
});

describe('status handler', () => {
    it('answers JSON at GET status and HTML at status/page or ?format=html', async () => {
        const json = await respondWithStatus(statusRequest('http://x/api/status'), hostileSource());
        expect(json.status).toBe(200);
        expect(json.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
        expect(JSON.parse(responseText(json))).toMatchObject({ targets: [{ targetId: SCRIPT_ID }, {}, {}] });
        for (const url of ['http://x/api/status/page', 'http://x/api/status?format=html']) {
            const html = await respondWithStatus(statusRequest(url), hostileSource());
            expect(html.headers).toMatchObject({
                'content-type': 'text/html; charset=utf-8',
                'content-security-policy': STATUS_PAGE_CSP,
            });
            expect(responseText(html)).toMatch(/^<!doctype html>/);
        }
    });

    it('requires the read role when app roles are on', async () => {
        const appRoles = { http: { ...functionKeyAuth.http, authMode: 'appRoles' as const } };
        const anonymous = await respondWithStatus(statusRequest('http://x/api/status/page'), hostileSource(appRoles));
        expect(anonymous.status).toBe(401);
        const principal = (roles: string[]) =>
            Buffer.from(JSON.stringify({ claims: roles.map((val) => ({ typ: 'roles', val })) })).toString('base64');
        const writer = await respondWithStatus(
            statusRequest('http://x/api/status', { 'x-ms-client-principal': principal(['Sync.Request']) }),
            hostileSource(appRoles),
        );
        expect(writer.status).toBe(403);
        const reader = await respondWithStatus(
            statusRequest('http://x/api/status', { 'x-ms-client-principal': principal(['Sync.Read']) }),
            hostileSource(appRoles),
        );
        expect(reader.status).toBe(200);
    });
});

describe('status page HTML', () => {
    it('escapes every hostile string and allows no script at all', async () => {
        const html = renderStatusPage(await buildStatusReport(hostileSource()));
        expect(html).not.toContain(SCRIPT_ID);
        expect(html).not.toContain('<img');
        expect(html).not.toContain('<b>');
        expect(html).not.toMatch(/<script/i);
        expect(html).toContain(escapeHtml(SCRIPT_ID));
        expect(html).toContain(escapeHtml(IMG_REASON));
        expect(html).toContain('href="https://portal.azure.com/#blade/workbook?x=&quot;&gt;&lt;script&gt;');
        expect(STATUS_PAGE_CSP).toContain("default-src 'none'");
        expect(STATUS_PAGE_CSP).not.toContain('script-src');
        expect(STATUS_PAGE_CSP).not.toContain('unsafe-inline');
    });

    it('shows a day of runs as one compact row each, a reason row only where there is one, one timeline mark per cycle', async () => {
        const html = renderStatusPage(await buildStatusReport(daySource()));
        expect(html.match(/<tr class="run">/g)).toHaveLength(DAY_RUNS);
        expect(html.match(/<tr class="reason">/g)).toHaveLength(DAY_REASONS.size);
        for (const [, reason] of DAY_REASONS.values()) expect(html).toContain(escapeHtml(reason));
        expect(html.match(/<rect class="cycle /g)).toHaveLength(DAY_RUNS);
        expect(html.match(/<rect class="cycle failed"/g)).toHaveLength(2);
        expect(html.match(/<rect class="running"/g)).toHaveLength(1);
        expect(html).not.toMatch(/<dl\b/);
        expect(html).not.toMatch(/\sstyle=/);
    });

    it('never links a workbook URL that is not http(s)', () => {
        const html = renderStatusPage({
            generatedAt: new Date(0).toISOString(),
            workbookUrl: 'javascript:alert(1)',
            targets: [],
        });
        expect(html).not.toContain('javascript:');
        expect(html).toContain('No targets are configured.');
    });

    it('is built for phones: viewport meta, no external resources', async () => {
        const html = renderStatusPage(await buildStatusReport(hostileSource()));
        expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
        expect(html).not.toMatch(/(src|href)="\/\//);
        expect(html).not.toMatch(/<link\b/);
    });

    it('writes durations for people', () => {
        expect([45, 185, 3600, 7500].map(humanDuration)).toEqual(['45 s', '3 min 5 s', '1 h', '2 h 5 min']);
        expect([45, 185, 3600, 7500].map(shortDuration)).toEqual(['45s', '3m05s', '1h00m', '2h05m']);
    });
});

describe('bulk counts in a run row', () => {
    it('are at most four characters, rounded to the unit that keeps them so', () => {
        const shown = [0, 999, 1000, 5000, 5011, 9949, 9999, 12_345, 99_999, 999_499, 999_999, 1_234_567, 2e9].map(
            compactCount,
        );
        expect(shown).toEqual([
            '0',
            '999',
            '1.0k',
            '5.0k',
            '5.0k',
            '9.9k',
            '10k',
            '12k',
            '100k',
            '999k',
            '1.0M',
            '1.2M',
            '2.0G',
        ]);
        expect(shown.every((text) => text.length <= 4)).toBe(true);
    });
});
