import type { HttpRequest, HttpResponseInit } from '@azure/functions';

import { submitChanges } from '../../app/submitChanges';
import { parseIntake } from '../formats/parseIntake';
import { isRefusal, problemResponse, type Refusal, refuse } from '../formats/problem';
import { idempotencyKeySchema } from '../formats/schemas';
import { submitRefusal } from '../formats/submitRefusal';
import { type FrontDoor, type FrontDoorResolver, submitDeps } from '../frontDoor';
import { authenticate, authorizeWrite } from './auth';
import { guarded, type HttpHandler } from './httpGuard';
import { statusUrl } from './location';

/**
 * The POST handler of `sync/requests`: every accepted shape becomes one submission to `submitChanges`, whose
 * outcome it answers (202, or the refusal as problem details); OPTIONS answers the CloudEvents webhook handshake.
 * @param resolve - gives the services
 */
export function createPostSyncRequestsHandler(resolve: FrontDoorResolver): HttpHandler {
    return guarded(resolve, async (request, context, services) => {
        if (request.method === 'OPTIONS') return webhookHandshake(request);
        const outcome = await handlePost(request, services);
        if (isRefusal(outcome)) {
            services.telemetry.track({
                type: 'RequestRejected',
                code: outcome.refused.code,
                status: outcome.refused.status,
                source: 'http',
            });
            context.info(`Refused ${outcome.refused.status} ${outcome.refused.code}`);
            return problemResponse(outcome.refused, outcome.headers);
        }
        return outcome;
    });
}

/** CloudEvents webhook validation (abuse protection): allow the origin that asks, at any rate. */
function webhookHandshake(request: HttpRequest): HttpResponseInit {
    const origin = request.headers.get('webhook-request-origin');
    const headers: Record<string, string> = { allow: 'POST, OPTIONS' };
    if (origin !== null) headers['webhook-allowed-origin'] = /^[A-Za-z0-9.-]{1,255}$/.test(origin) ? origin : '*';
    if (request.headers.get('webhook-request-rate') !== null) headers['webhook-allowed-rate'] = '*';
    return { status: 200, headers };
}

async function readBodyText(request: HttpRequest, maxBytes: number): Promise<string | Refusal> {
    const tooLarge = () =>
        refuse('BODY_TOO_LARGE', `Bodies larger than ${maxBytes} bytes are not accepted.`, { limit: maxBytes });
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge();
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes) return tooLarge();
    try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
        return refuse('MALFORMED_JSON', 'The body is not valid UTF-8.', {
            errors: [{ pointer: '', detail: 'not UTF-8' }],
        });
    }
}

async function handlePost(request: HttpRequest, services: FrontDoor): Promise<HttpResponseInit | Refusal> {
    const { config } = services;
    const unauthenticated = authenticate(request, config);
    if (unauthenticated !== null) return unauthenticated;

    const keyHeader = request.headers.get('idempotency-key');
    if (keyHeader !== null && !idempotencyKeySchema.safeParse(keyHeader).success) {
        return refuse('INVALID_IDEMPOTENCY_KEY', 'The Idempotency-Key header has an unsupported shape.', {
            errors: [
                {
                    pointer: '/headers/idempotency-key',
                    detail: 'must be 1-255 characters of A-Z a-z 0-9 . _ : ~ + / = -',
                },
            ],
        });
    }
    const bodyText = await readBodyText(request, config.http.maxBodyBytes);
    if (isRefusal(bodyText)) return bodyText;
    const parsed = parseIntake(
        { header: (name) => request.headers.get(name), bodyText },
        { maxChanges: config.http.maxChangesPerRequest },
    );
    if (isRefusal(parsed)) return parsed;
    if (parsed.kind === 'subscriptionValidation') {
        const forbidden = authorizeWrite(request, config, new Set(['Delta']));
        if (forbidden !== null) return forbidden;
        return { status: 200, jsonBody: { validationResponse: parsed.validationCode } };
    }
    const outcome = await submitChanges(submitDeps(services), {
        ...parsed,
        idempotencyKey: keyHeader,
        traceparents: [request.headers.get('traceparent'), parsed.traceparent],
        source: 'http',
        authorize: (policies) => authorizeWrite(request, config, policies),
    });
    if (outcome.kind !== 'accepted') return submitRefusal(outcome, '/policy');
    const { requestId, duplicate } = outcome;
    const location = statusUrl(request, config, requestId, outcome.splitTargets);
    return {
        status: 202,
        headers: {
            location,
            'retry-after': String(config.http.retryAfterSeconds),
            'cache-control': 'no-store',
            ...(duplicate ? { 'idempotent-replayed': 'true' } : {}),
        },
        jsonBody: {
            requestId,
            state: 'accepted',
            statusUrl: location,
            correlationId: outcome.correlationId,
            duplicate,
            format: parsed.format,
            targets: outcome.shares.map(({ record }) => ({
                targetId: record.targetId,
                requestId: record.requestId,
                windowSeq: record.windowSeq,
                policy: record.policy,
                changeCount: record.changeCount,
                urgentCount: record.urgentCount,
            })),
        },
    };
}
