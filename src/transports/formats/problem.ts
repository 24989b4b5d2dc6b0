import type { HttpResponseInit } from '@azure/functions';

/** Stable problem codes; the `type` URI and the OpenAPI document are derived from them. */
export const PROBLEMS = {
    MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
    NOT_I_JSON: { status: 400, title: 'The body is not I-JSON (RFC 7493)' },
    NESTING_TOO_DEEP: { status: 400, title: 'The body is nested too deeply' },
    VALIDATION_FAILED: { status: 400, title: 'The body does not match the schema' },
    INVALID_POLICY: { status: 400, title: 'The sync policy is not Delta or Initial' },
    INVALID_IDEMPOTENCY_KEY: { status: 400, title: 'The Idempotency-Key header is invalid' },
    UNAUTHENTICATED: { status: 401, title: 'No authenticated caller' },
    FORBIDDEN: { status: 403, title: 'The caller lacks the required app role' },
    INITIAL_NOT_GRANTED: { status: 403, title: 'An Initial (full) sync is not granted on this path' },
    REQUEST_NOT_FOUND: { status: 404, title: 'No such request' },
    SYNC_SKIPPED: { status: 409, title: 'The sync cycle was skipped' },
    REQUEST_EXPIRED: { status: 410, title: 'The request is older than the history kept' },
    BODY_TOO_LARGE: { status: 413, title: 'The body is too large' },
    TOO_MANY_CHANGES: { status: 413, title: 'Too many changes in one request' },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
    UNKNOWN_TARGET: { status: 422, title: 'The target is not configured' },
    NO_ROUTE: { status: 422, title: 'No target matches the change' },
    UNKNOWN_EVENT_TYPE: { status: 422, title: 'The event type is not known' },
    IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The idempotency key was used for a different body' },
    SYNC_FAILED: { status: 424, title: 'The sync cycle failed' },
    NOT_VISIBLE_IN_ENTRA: { status: 424, title: 'The object is not in Entra ID after the sync cycles' },
    INITIAL_RATE_LIMITED: { status: 429, title: 'An Initial sync was accepted for this target recently' },
    CONFIG_INVALID: { status: 500, title: 'The service is misconfigured' },
    INTERNAL_ERROR: { status: 500, title: 'Unexpected error' },
    DEPENDENCY_UNAVAILABLE: { status: 503, title: 'A dependency is unavailable; retry later' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

const PROBLEM_TYPE_BASE = 'https://entra-sync-trigger.dev/problems/';

/** One offending field: a JSON pointer into the body (or `#/headers/<name>`) and what is wrong with it. */
export interface FieldError {
    readonly pointer: string;
    readonly detail: string;
}

/** An RFC 9457 problem details document with this API's extension members. */
export interface Problem {
    readonly type: string;
    readonly code: ProblemCode;
    readonly title: string;
    readonly status: number;
    readonly detail: string;
    readonly errors?: readonly FieldError[];
    readonly [extension: string]: unknown;
}

/**
 * Builds a problem document.
 * @param code - the stable code
 * @param detail - a human explanation; never payload values or secrets
 * @param extra - field errors and extension members
 */
export function problem(
    code: ProblemCode,
    detail: string,
    extra: { errors?: readonly FieldError[]; [extension: string]: unknown } = {},
): Problem {
    const { status, title } = PROBLEMS[code];
    return { type: `${PROBLEM_TYPE_BASE}${code}`, code, title, status, detail, ...extra };
}

/**
 * Answers with a problem document.
 * @param p - the problem
 * @param headers - extra headers (Retry-After, Location)
 */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): HttpResponseInit {
    return {
        status: p.status,
        // nosniff: a browser never renders a problem (which may quote caller input) as HTML.
        headers: {
            'content-type': 'application/problem+json',
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
            ...headers,
        },
        body: JSON.stringify(p),
    };
}

/** A refusal found while parsing or checking a request, carried as a value until the handler answers it. */
export interface Refusal {
    readonly refused: Problem;
    readonly headers?: Record<string, string>;
}

export const refuse = (
    code: ProblemCode,
    detail: string,
    extra: { errors?: readonly FieldError[]; [extension: string]: unknown } = {},
    headers?: Record<string, string>,
): Refusal => ({ refused: problem(code, detail, extra), ...(headers === undefined ? {} : { headers }) });

export const isRefusal = (value: unknown): value is Refusal =>
    typeof value === 'object' && value !== null && 'refused' in value;
