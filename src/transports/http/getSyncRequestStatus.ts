import type { HttpResponseInit } from '@azure/functions';

import { REQUEST_ID_PATTERN, targetRequestId } from '../../app/idempotency';
import { getRequestStatus } from '../../app/requestStatusQuery';
import type { RequestStatus } from '../../domain/requestStatus';
import { problem, type ProblemCode, problemResponse } from '../formats/problem';
import type { FrontDoorResolver } from '../frontDoor';
import { authorizeRead } from './auth';
import { entraConfirmationView, entraGate } from './entraConfirmationView';
import { guarded, type HttpHandler } from './httpGuard';
import { statusUrl } from './location';
import { requestStatusView } from './statusView';

/** Worst first: the state a request split across targets reports as a whole. */
const SEVERITY: readonly RequestStatus['state'][] = [
    'failed',
    'refused',
    'skipped',
    'expired',
    'partiallySucceeded',
    'succeeded',
];

const FINAL_PROBLEM: Partial<Record<RequestStatus['state'], { code: ProblemCode; detail: string }>> = {
    failed: { code: 'SYNC_FAILED', detail: 'The sync cycle that covered this request failed; see run.' },
    skipped: { code: 'SYNC_SKIPPED', detail: 'The sync cycle was skipped (staging mode or scheduler suspended).' },
    expired: { code: 'REQUEST_EXPIRED', detail: 'The run of this request is older than the history kept.' },
    refused: {
        code: 'INITIAL_RATE_LIMITED',
        detail: 'An Initial sync was accepted for this target recently; this request was not merged. Retry it later.',
    },
};

/**
 * The GET handler of `sync/requests/{requestId}`, shaped for the Logic Apps async pattern: 202 + Retry-After +
 * Location while waiting or running; 200 when the cycle succeeded (also with export errors, reported in the
 * body); a problem (409/410/424) when it was skipped, expired or failed, so the Logic Apps action fails.
 * @param resolve - gives the services
 */
export function createGetSyncRequestStatusHandler(resolve: FrontDoorResolver): HttpHandler {
    return guarded(resolve, async (request, _context, services): Promise<HttpResponseInit> => {
        const { config } = services;
        const denied = authorizeRead(request, config);
        if (denied !== null) return denied;
        const requestId = request.params.requestId ?? '';
        const targetsParam = request.query.get('targets');
        // Each configured target at most once, in the order given: the reads and the answer are bounded by the
        // configuration, whatever the URL repeats (one 8 KB URL of a repeated id once made 2,000 reads).
        const targets =
            targetsParam === null ? null : [...new Set(targetsParam.split(','))].filter((t) => config.targets.has(t));
        // Only a well-formed id is quoted back; anything else the caller sent is not echoed.
        const notFound = () =>
            problemResponse(
                problem(
                    'REQUEST_NOT_FOUND',
                    'No request with this id is known.',
                    REQUEST_ID_PATTERN.test(requestId) ? { requestId } : {},
                ),
            );
        if (!REQUEST_ID_PATTERN.test(requestId) || (targets !== null && targets.length === 0)) return notFound();
        const ids = targets === null ? [requestId] : targets.map((t) => targetRequestId(requestId, t, true));
        const statuses: RequestStatus[] = [];
        for (const id of ids) {
            const status = await getRequestStatus(
                {
                    coordinator: services.coordinator,
                    clock: services.clock,
                    requests: services.requests,
                    targets: config.targets,
                },
                id,
            );
            if (status === null) return notFound();
            statuses.push(status);
        }
        // ENTRA_CONFIRMATION=on: each part's confirmation, added to its view; absent when off or nothing to confirm.
        const confirmations = await Promise.all(
            ids.map((id) => services.entraConfirmation?.store.get(id) ?? Promise.resolve(null)),
        );
        const views = statuses.map((s, i) => {
            const record = confirmations[i] ?? null;
            const view = requestStatusView(s);
            return record === null ? view : { ...view, entra: entraConfirmationView(record) };
        });
        const body =
            views.length === 1 && views[0] !== undefined
                ? views[0]
                : { requestId, state: overall(statuses), targets: views };
        const state = overall(statuses);
        const entra = entraGate(state, confirmations);
        if (state === 'accepted' || state === 'waiting' || state === 'running' || entra === 'confirming') {
            return {
                status: 202,
                headers: {
                    location: statusUrl(request, config, requestId, targets),
                    'retry-after': String(
                        retryAfterSeconds(statuses, services.clock.now(), config.http.retryAfterSeconds),
                    ),
                    'cache-control': 'no-store',
                },
                jsonBody: body,
            };
        }
        if (entra === 'notVisible') {
            return problemResponse(
                problem(
                    'NOT_VISIBLE_IN_ENTRA',
                    'The sync cycle succeeded, but the object is not in Entra ID after the extra cycle (or Microsoft Graph could not be asked about it); see entra.',
                    { ...body, requestId, state: 'notVisibleInEntra' },
                ),
            );
        }
        const final = FINAL_PROBLEM[state];
        if (final === undefined) return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: body };
        return problemResponse(problem(final.code, final.detail, { ...body, requestId, state }));
    });
}

function overall(statuses: readonly RequestStatus[]): RequestStatus['state'] {
    const pending = statuses.find((s) => s.state === 'running' || s.state === 'waiting' || s.state === 'accepted');
    if (pending !== undefined) return statuses.some((s) => s.state === 'running') ? 'running' : pending.state;
    return SEVERITY.find((state) => statuses.some((s) => s.state === state)) ?? 'succeeded';
}

/** While waiting, poll again when the window is expected to close (never later than the configured interval). */
function retryAfterSeconds(statuses: readonly RequestStatus[], now: number, configured: number): number {
    const waits = statuses.flatMap((s) => (s.state === 'waiting' ? [Math.ceil((s.expectedStartAt - now) / 1000)] : []));
    if (waits.length === 0 || statuses.some((s) => s.state === 'running')) return configured;
    return Math.min(configured, Math.max(1, Math.min(...waits)));
}
