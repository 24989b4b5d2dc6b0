import { beforeAll, describe, expect, it } from 'vitest';

import {
    escapeHtml,
    humanDuration,
    renderStatusPage,
    STATUS_PAGE_CSP,
} from '../../src/transports/http/renderStatusPage';
import { buildStatusReport, respondWithStatus } from '../../src/transports/http/statusHandler';
import { type CapturedFunction, captureRegistrations, triggerOf } from '../support/functionsRegistry';
import { functionKeyAuth, hostileSource, IMG_REASON, responseText, SCRIPT_ID, statusRequest } from './statusFixtures';

let registered: CapturedFunction[] = [];
beforeAll(async () => {
    registered = await captureRegistrations(() => import('../../functions/statusPage.js'));
});

describe('status page function', () => {
    it('registers GET status/{view?} with function keys', () => {
        expect(registered.map((f) => f.name)).toEqual(['statusPage']);
        const fn = registered[0] as CapturedFunction;
        expect(triggerOf(fn)).toMatchObject({
            type: 'httpTrigger',
            route: 'status/{view:regex(^page$)?}',
            authLevel: 'function',
            methods: ['GET'],
        });
    });
});

describe('status report', () => {
    it('shows per target the state, the open window, the current run and the last runs', async () => {
        const report = await buildStatusReport(hostileSource());
        expect(report.targets.map((t) => t.targetId)).toEqual([SCRIPT_ID, 'fabrikam', 'northwind']);
        const [hostile, fabrikam, northwind] = report.targets;
        expect(hostile).toMatchObject({
            health: 'failing',
            activity: 'waitingAndRunning',
            window: { seq: 4, policy: 'Initial', ageSeconds: 125, changeCount: 7, requestCount: 3 },
            run: { seq: 3, phase: 'active', jobStatus: 'New', workerOffline: true, sinceSeconds: 290 },
            lastSuccessAt: '2026-01-05T07:30:00.000Z',
        });
        expect(hostile?.lastRuns.map((r) => [r.seq, r.outcome, r.durationSeconds, r.waitSeconds])).toEqual([
            [2, 'Failed', 50, 90],
            [1, 'CompletedWithExportErrors', 50, 90],
        ]);
        expect(fabrikam).toMatchObject({ health: 'healthy', activity: 'idle', window: null, run: null });
        expect(northwind).toMatchObject({ health: 'unknown', lastRuns: [], lastSuccessAt: null });
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
    });
});
