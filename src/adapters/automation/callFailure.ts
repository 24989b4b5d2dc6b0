/**
 * What went wrong with one HTTP call to Automation, read from whatever ms-rest-js threw: a `RestError` with a
 * status code, a node-fetch `FetchError` (network), or an abort.
 */
export interface CallFailure {
    readonly transient: boolean;
    readonly statusCode?: number;
    /** Service error code (`Conflict`, `NotFound`, …) or network code (`ECONNRESET`); for records and messages. */
    readonly code: string;
    readonly message: string;
    /** From the `Retry-After` header, when the service sent one. */
    readonly retryAfterMs?: number;
}

const NETWORK_ERROR_TYPES = new Set(['system', 'request-timeout', 'body-timeout']);
const NETWORK_RESTERROR_CODES = new Set(['REQUEST_SEND_ERROR', 'REQUEST_ABORTED_ERROR']);

/**
 * Classifies a failed call. 408, 429 and 5xx are transient; any other HTTP status is permanent (401/403 auth,
 * 404 not found, 400 bad request, 409 conflict). Without a status, network failures and timeouts are
 * transient, and anything else (a response we could not read) is permanent: retrying will not change it.
 * @param error - what the SDK threw
 * @param now - epoch ms, to turn an HTTP-date `Retry-After` into a delay
 */
export function classifyCallFailure(error: unknown, now: number): CallFailure {
    const statusCode = numberProperty(error, 'statusCode');
    const code = stringProperty(error, 'code');
    const message = boundedMessage(error);
    if (statusCode !== undefined) {
        const retryAfterMs = retryAfterOf(error, now);
        return {
            transient: statusCode === 408 || statusCode === 429 || statusCode >= 500,
            statusCode,
            code: code ?? String(statusCode),
            message,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
    }
    const type = stringProperty(error, 'type');
    const looksLikeNetwork =
        (code !== undefined && (/^E[A-Z_]+$/.test(code) || NETWORK_RESTERROR_CODES.has(code))) ||
        (type !== undefined && NETWORK_ERROR_TYPES.has(type));
    return { transient: looksLikeNetwork, code: code ?? type ?? 'UnexpectedResponse', message };
}

/**
 * Parses `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * @param value - the header value
 * @param now - epoch ms
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
    if (value === undefined) return undefined;
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const at = Date.parse(text);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(error: unknown, now: number): number | undefined {
    const response = property(error, 'response');
    const headers = property(response, 'headers');
    if (typeof headers !== 'object' || headers === null || !('get' in headers)) return undefined;
    const get: unknown = headers.get;
    if (typeof get !== 'function') return undefined;
    const value: unknown = get.call(headers, 'retry-after');
    return parseRetryAfter(typeof value === 'string' ? value : undefined, now);
}

function boundedMessage(error: unknown): string {
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
    const oneLine = message.replace(/\s+/g, ' ').trim();
    return oneLine.length <= 300 ? oneLine : `${oneLine.slice(0, 299)}…`;
}

function property(value: unknown, name: string): unknown {
    if (typeof value !== 'object' || value === null || !(name in value)) return undefined;
    const found: unknown = Reflect.get(value, name);
    return found;
}

function numberProperty(value: unknown, name: string): number | undefined {
    const found = property(value, name);
    return typeof found === 'number' ? found : undefined;
}

function stringProperty(value: unknown, name: string): string | undefined {
    const found = property(value, name);
    return typeof found === 'string' && found !== '' ? found : undefined;
}
