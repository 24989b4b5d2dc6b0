import type { HttpRequest, HttpResponseInit } from '@azure/functions';

import { submitChanges } from '../../app/submitChanges';
import { type IgnoredEvent, mediaTypeOf, parseIntake } from '../formats/parseIntake';
import { isRefusal, problemResponse, type Refusal, refuse } from '../formats/problem';
import { idempotencyKeySchema } from '../formats/schemas';
import { submitRefusal } from '../formats/submitRefusal';
import { type FrontDoor, type FrontDoorResolver, submitDeps } from '../frontDoor';
import { FUNCTION_NAMES } from '../routes';
import { authenticate, authorizeWrite, type PostEntry } from './auth';
import { guarded, type HttpHandler } from './httpGuard';
import { statusUrl } from './location';

/** `sync/requests`: changes and Delta requests; with function keys, Initial is not granted here. */
export const CHANGES_ENTRY: PostEntry = {
    functionName: FUNCTION_NAMES.postSyncRequests,
    grantsInitialWithFunctionKeys: false,
};

/** `sync/initial-requests`: the same, plus Initial with function keys (its own function, so its own keys). */
export const FULL_SYNC_ENTRY: PostEntry = {
    functionName: FUNCTION_NAMES.postInitialSyncRequests,
    grantsInitialWithFunctionKeys: true,
};

/**
 * The POST handler of `sync/requests` (and of `sync/initial-requests`): every accepted shape becomes one
 * submission to `submitChanges`, whose outcome it answers (202, or the refusal as problem details); OPTIONS
 * answers the CloudEvents webhook handshake.
 * @param resolve - gives the services
 * @param entry - which POST function this is (what it grants, whose keys it scopes)
 */
export function createPostSyncRequestsHandler(
    resolve: FrontDoorResolver,
    entry: PostEntry = CHANGES_ENTRY,
): HttpHandler {
    return guarded(resolve, async (request, context, services) => {
        if (request.method === 'OPTIONS') return webhookHandshake(request);
        const outcome = await handlePost(request, services, entry);
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

/**
 * RFC 9110 §8.4: a body with a content coding is bytes of that coding, not text. The Functions host does not
 * decode request bodies, and this API needs no compression (bodies are small, `HTTP_MAX_BODY_BYTES`), so any
 * coding but `identity` is refused with 415 and `Accept-Encoding: identity` (RFC 9110 §15.5.16: "If the problem
 * was caused by an unsupported content coding, the Accept-Encoding response header field ... ought to be
 * used"). Decoding is deliberately not offered: a 20 KB gzip body can inflate to gigabytes.
 * @param header - the Content-Encoding header
 */
function contentCodingRefusal(header: string | null): Refusal | null {
    if (header === null) return null;
    const codings = header
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== '');
    if (codings.every((c) => c === 'identity')) return null;
    return refuse(
        'UNSUPPORTED_MEDIA_TYPE',
        'Content codings (gzip, deflate, br, …) are not accepted; send the body uncompressed.',
        { errors: [{ pointer: '/headers/content-encoding', detail: 'only identity is accepted' }] },
        { 'accept-encoding': 'identity' },
    );
}

async function readBodyText(request: HttpRequest, maxBytes: number): Promise<string | Refusal> {
    // Media type, charset and content coding are checked before a byte is decoded: a body in another charset
    // or coding is 415, not a UTF-8 decoding error (400).
    const mediaType = mediaTypeOf(request.headers.get('content-type'));
    if (isRefusal(mediaType)) return mediaType;
    const coding = contentCodingRefusal(request.headers.get('content-encoding'));
    if (coding !== null) return coding;
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

async function handlePost(
    request: HttpRequest,
    services: FrontDoor,
    entry: PostEntry,
): Promise<HttpResponseInit | Refusal> {
    const { config } = services;
    const caller = authenticate(request, config, entry);
    if (isRefusal(caller)) return caller;

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
        const forbidden = authorizeWrite(caller, config, new Set(['Delta']), entry);
        if (forbidden !== null) return forbidden;
        return { status: 200, jsonBody: { validationResponse: parsed.validationCode } };
    }
    if (parsed.kind === 'noChanges') {
        // A valid no-op (an empty batch, or only types we do not handle): nothing was submitted, so there is no
        // request to poll. 200 with a body is "accepted and processed" in the CloudEvents webhook spec (§2.2) and
        // a success for Event Grid.
        const forbidden = authorizeWrite(caller, config, new Set(['Delta']), entry);
        if (forbidden !== null) return forbidden;
        trackIgnored(services, parsed.format, parsed.ignored);
        return {
            status: 200,
            headers: { 'cache-control': 'no-store' },
            jsonBody:
                parsed.ignored.length === 0
                    ? { state: 'empty', format: parsed.format, changeCount: 0 }
                    : { state: 'ignored', format: parsed.format, changeCount: 0, ignored: ignoredList(parsed.ignored) },
        };
    }
    const outcome = await submitChanges(submitDeps(services), {
        ...parsed,
        caller: caller.scope,
        idempotencyKey: keyHeader,
        traceparents: [request.headers.get('traceparent'), parsed.traceparent],
        source: 'http',
        authorize: (policies) => authorizeWrite(caller, config, policies, entry),
    });
    if (outcome.kind !== 'accepted') return submitRefusal(outcome, '/policy');
    trackIgnored(services, parsed.format, parsed.ignored);
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
            ...(parsed.ignored.length === 0 ? {} : { ignored: ignoredList(parsed.ignored) }),
        },
    };
}

/** What the answer says about ignored events: their ids and types (the producer's own identifiers). */
function ignoredList(ignored: readonly IgnoredEvent[]): { id: string; type: string }[] {
    return ignored.map(({ id, type }) => ({ id, type }));
}

/**
 * Counts acknowledged events of types we do not handle, one telemetry event per type and source, so a producer
 * sending the wrong types shows on a chart instead of in a retry queue. Only the type, the source and a count.
 * @param services - the front door (telemetry)
 * @param format - the intake format
 * @param ignored - the ignored events
 */
function trackIgnored(services: FrontDoor, format: string, ignored: readonly IgnoredEvent[]): void {
    const counts = new Map<string, { eventType: string; eventSource: string; count: number }>();
    for (const { type, source } of ignored) {
        const key = JSON.stringify([type, source]);
        const entry = counts.get(key) ?? { eventType: type, eventSource: source, count: 0 };
        entry.count++;
        counts.set(key, entry);
    }
    for (const entry of counts.values()) services.telemetry.track({ type: 'EventsIgnored', format, ...entry });
}
