import type { HttpRequest, HttpResponseInit } from '@azure/functions';

import { readOlderRuns } from '../../app/olderRuns';
import { targetStatus } from '../../app/statusModel';
import type { RunSummary, TargetState } from '../../domain/targetState';
import type { TargetTiming } from '../../domain/timing';
import type { FrontDoor } from '../frontDoor';
import type { FrontDoorResolver } from '../frontDoor';
import { type AuthConfig, authorizeRead } from './auth';
import { guarded, type HttpHandler } from './httpGuard';
import type { JobLocation, PortalLinkSettings } from './portalLinks';
import { renderStatusPage, STATUS_PAGE_CSP } from './renderStatusPage';
import { type StatusDocument, targetStatusView } from './statusView';

/** Where the status comes from; {@link statusSourceOf} builds it from the services, tests build their own. */
export interface StatusSource {
    readonly auth: AuthConfig;
    readonly workbookUrl: string | null;
    /** Null: no portal links (PORTAL_URL unset). */
    readonly portalLinks: PortalLinkSettings | null;
    readonly targets: ReadonlyMap<string, JobLocation & { readonly timing: TargetTiming }>;
    readState(targetId: string): Promise<TargetState>;
    /** A finished run that has left the recent history, from the run store. */
    readRun(targetId: string, seq: number): Promise<RunSummary | null>;
    now(): number;
}

/**
 * The status source of the running app: configured targets, the coordinator's view of their state.
 * @param services - the composition root's services
 */
function statusSourceOf(services: FrontDoor): StatusSource {
    return {
        auth: services.config,
        workbookUrl: services.config.telemetry.workbookUrl,
        portalLinks: services.config.telemetry.portalLinks,
        targets: services.config.targets,
        readState: (targetId) => services.coordinator.readState(targetId),
        readRun: (targetId, seq) => services.coordinator.getRun(targetId, seq),
        now: () => services.clock.now(),
    };
}

/**
 * Reads every target's state (and the day's runs past its recent history) into the report, with portal links.
 * Targets are read one after the other: a handful of point reads each.
 * @param source - where state comes from
 */
export async function buildStatusReport(source: StatusSource): Promise<StatusDocument> {
    const now = source.now();
    const targets = [];
    for (const [targetId, target] of [...source.targets].sort(([a], [b]) => a.localeCompare(b))) {
        const state = await source.readState(targetId);
        const older = await readOlderRuns((id, seq) => source.readRun(id, seq), state, now);
        targets.push(targetStatusView(targetStatus(state, target.timing, now, older), target, source.portalLinks));
    }
    return { generatedAt: new Date(now).toISOString(), workbookUrl: source.workbookUrl, targets };
}

/** `status/page` or `?format=html` is the page; anything else under `status` is JSON. */
function wantsHtml(request: HttpRequest): boolean {
    return request.params.view === 'page' || request.query.get('format') === 'html';
}

const COMMON_HEADERS = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
};

/**
 * Answers `GET status` (JSON) and `GET status/page` or `GET status?format=html` (the HTML page), after the same
 * read authorization as request status (AUTH_ROLE_READ with app roles; the function key otherwise).
 * @param request - the request
 * @param source - the state to show
 */
export async function respondWithStatus(request: HttpRequest, source: StatusSource): Promise<HttpResponseInit> {
    const denied = authorizeRead(request, source.auth);
    if (denied !== null) return denied;
    const report = await buildStatusReport(source);
    if (!wantsHtml(request)) {
        return { status: 200, headers: { ...COMMON_HEADERS, 'content-type': 'application/json' }, jsonBody: report };
    }
    return {
        status: 200,
        headers: {
            ...COMMON_HEADERS,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': STATUS_PAGE_CSP,
            'x-frame-options': 'DENY',
        },
        body: renderStatusPage(report),
    };
}

/**
 * The HTTP handler the `statusPage` function registers; failures become problem details (never a stack trace).
 * @param resolve - gives the services
 */
export function createStatusHandler(resolve: FrontDoorResolver): HttpHandler {
    return guarded(resolve, (request, _context, services) => respondWithStatus(request, statusSourceOf(services)));
}
