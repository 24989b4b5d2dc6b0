import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { type HttpHandler, HttpRequest, HttpResponse } from '@azure/functions';

import type { Logger } from '../ports/logger';
import type { FunctionRegistration } from '../transports/functionRegistration';
import { invocationContext } from './invocation';
import { matchTemplate, parseRouteTemplate, type RouteTemplate } from './routeTemplate';

/** One HTTP-triggered function, matched the way the Functions host matches routes. */
export interface HttpRoute {
    readonly functionName: string;
    readonly template: RouteTemplate;
    readonly methods: readonly string[];
    readonly authLevel: string;
    readonly handler: HttpHandler;
}

/**
 * The HTTP routes of the registrations, below host.json's route prefix, in registration order: the host's route
 * collection tries its routes in the order the functions were indexed, and the first that matches serves. The
 * defaults are those of `@azure/functions` and the host: route = the function's name, methods GET and POST,
 * anonymous.
 * @param functions - the registrations
 * @param routePrefix - host.json `extensions.http.routePrefix` (`api`)
 */
export function httpRoutes(functions: readonly FunctionRegistration[], routePrefix: string): HttpRoute[] {
    const routes: HttpRoute[] = [];
    for (const fn of functions) {
        if (fn.trigger !== 'http') continue;
        const route = fn.options.route === undefined || fn.options.route === '' ? fn.name : fn.options.route;
        routes.push({
            functionName: fn.name,
            template: parseRouteTemplate([routePrefix, route].filter((p) => p !== '').join('/')),
            methods: (fn.options.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
            authLevel: fn.options.authLevel ?? 'anonymous',
            handler: fn.options.handler,
        });
    }
    return routes;
}

/**
 * A percent-decoded path segment, or null when its percent-encoding is malformed. `%2F` stays encoded, as Kestrel
 * (the host's web server) leaves it: decoded, it would read as a segment separator.
 */
export function decodePathSegment(segment: string): string | null {
    try {
        return decodeURIComponent(segment.replace(/%2F/gi, '%252F'));
    } catch {
        return null;
    }
}

/** The request path as route matching sees it: decoded segments, without the leading and a trailing slash. */
function pathSegments(pathname: string): string[] | null {
    const segments = pathname.replace(/^\//, '').replace(/\/$/, '').split('/');
    const decoded = segments.map(decodePathSegment);
    return decoded.every((s): s is string => s !== null) ? decoded : null;
}

type RouteMatch =
    | { readonly kind: 'matched'; readonly route: HttpRoute; readonly params: Record<string, string> }
    | { readonly kind: 'wrongMethod'; readonly allowed: readonly string[] }
    | { readonly kind: 'none' };

function findRoute(routes: readonly HttpRoute[], path: readonly string[], method: string): RouteMatch {
    const allowed = new Set<string>();
    for (const route of routes) {
        const params = matchTemplate(route.template, path);
        if (params === null) continue;
        if (route.methods.includes(method)) return { kind: 'matched', route, params };
        route.methods.forEach((m) => allowed.add(m));
    }
    return allowed.size === 0 ? { kind: 'none' } : { kind: 'wrongMethod', allowed: [...allowed].sort() };
}

/** How long the host waits for the next chunk of a request body before it gives up (408). */
const DEFAULT_BODY_IDLE_TIMEOUT_MS = 10_000;
/** How long a whole request body may take, however steadily it trickles in (408). */
const DEFAULT_BODY_DEADLINE_MS = 30_000;

interface BodyLimits {
    readonly maxBytes: number;
    readonly idleTimeoutMs: number;
    readonly deadlineMs: number;
}

type BodyRead =
    | { readonly kind: 'complete'; readonly body: Buffer }
    | { readonly kind: 'tooLarge' }
    | { readonly kind: 'stalled' }
    | { readonly kind: 'late' };

/**
 * Reads a request body up to `maxBytes`. It gives up when no byte arrives for `idleTimeoutMs` (a client that
 * declares 2 MB and sends 20 bytes) and when the whole body has not arrived `deadlineMs` after its start (a client
 * that sends one byte every few seconds resets the idle timer for ever; hundreds of them would hold as many
 * connections open).
 */
function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyRead> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const deadline = setTimeout(() => finish({ kind: 'late' }), limits.deadlineMs);
        let idle = setTimeout(() => finish({ kind: 'stalled' }), limits.idleTimeoutMs);
        function finish(result: BodyRead): void {
            clearTimeout(deadline);
            clearTimeout(idle);
            req.off('data', onData);
            req.off('end', onEnd);
            req.off('error', onError);
            // What the client still sends is not read: the answer closes the connection (answerAndClose).
            if (result.kind !== 'complete') req.pause();
            resolve(result);
        }
        function onData(chunk: Buffer | string): void {
            const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
            size += buffer.length;
            // The host has its own limit; the app's own check answers properly below this one.
            if (size > limits.maxBytes) return finish({ kind: 'tooLarge' });
            chunks.push(buffer);
            clearTimeout(idle);
            idle = setTimeout(() => finish({ kind: 'stalled' }), limits.idleTimeoutMs);
        }
        const onEnd = (): void => finish({ kind: 'complete', body: Buffer.concat(chunks) });
        const onError = (): void => finish({ kind: 'stalled' });
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('error', onError);
    });
}

function sendProblem(
    res: ServerResponse,
    status: number,
    title: string,
    detail: string,
    headers: Readonly<Record<string, string>> = {},
): void {
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    res.writeHead(status, {
        ...headers,
        'content-type': 'application/problem+json',
        'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
}

/**
 * Answers a request whose body was not read to its end, and closes the connection: the unread bytes would
 * otherwise be parsed as the next request on a keep-alive connection, and that request would be reset.
 */
function answerAndClose(res: ServerResponse, status: number, title: string, detail: string): void {
    res.shouldKeepAlive = false;
    sendProblem(res, status, title, detail, { connection: 'close' });
    res.once('finish', () => res.socket?.destroySoon());
}

/** The body, or null once a refusal (413, 408) has been answered. */
async function receiveBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<Buffer | null> {
    const declared = Number(req.headers['content-length'] ?? '0');
    const read: BodyRead =
        Number.isFinite(declared) && declared > limits.maxBytes ? { kind: 'tooLarge' } : await readBody(req, limits);
    switch (read.kind) {
        case 'complete':
            return read.body;
        case 'tooLarge':
            answerAndClose(res, 413, 'Payload Too Large', 'The request body is too large');
            return null;
        case 'stalled':
            answerAndClose(res, 408, 'Request Timeout', 'The request body did not arrive in time');
            return null;
        case 'late':
            answerAndClose(res, 408, 'Request Timeout', `The request body took longer than ${limits.deadlineMs} ms`);
            return null;
    }
}

function headersOf(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return headers;
}

/** Calls the function as the host would; a failure is a bare 500 with the detail in the log only. */
async function invoke(
    route: HttpRoute,
    request: HttpRequest,
    res: ServerResponse,
    log: Logger,
): Promise<HttpResponse | null> {
    const invocationId = randomUUID();
    const context = invocationContext(route.functionName, log, { invocationId, triggerMetadata: {} });
    try {
        const result = await route.handler(request, context);
        return result instanceof HttpResponse ? result : new HttpResponse(result ?? { status: 200 });
    } catch (e) {
        log.error(`[${route.functionName}] invocation ${invocationId} failed`, e);
        sendProblem(res, 500, 'Internal Server Error', `Invocation ${invocationId} failed`);
        return null;
    }
}

async function writeResponse(res: ServerResponse, response: HttpResponse): Promise<void> {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
        headers[name] = value;
    });
    const payload = Buffer.from(await response.arrayBuffer());
    // Framed by length, as the Functions host answers (no chunked encoding for a body it already holds).
    headers['content-length'] = String(payload.length);
    res.writeHead(response.status, headers);
    res.end(payload);
}

/** How the edge treats requests: the app's body limit and the body's timeouts. */
export interface ServeOptions {
    readonly log: Logger;
    readonly maxBodyBytes: number;
    readonly bodyIdleTimeoutMs?: number;
    readonly bodyDeadlineMs?: number;
}

/**
 * Serves one Node request with the matching function: builds a real `HttpRequest`, calls the registered
 * handler with an `InvocationContext`, and writes the `HttpResponse` back.
 * @returns false when no route matched (the caller answers 404)
 */
export async function serveFunction(
    routes: readonly HttpRoute[],
    req: IncomingMessage,
    res: ServerResponse,
    options: ServeOptions,
): Promise<boolean> {
    let url: URL;
    try {
        url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
        // A Host header or request target that is not a URL: the caller's fault, not the host's.
        sendProblem(res, 400, 'Bad Request', 'The request target or the Host header is malformed');
        return true;
    }
    const path = pathSegments(url.pathname);
    if (path === null) {
        sendProblem(res, 400, 'Bad Request', 'The request path holds a malformed percent-encoding');
        return true;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const match = findRoute(routes, path, method);
    if (match.kind === 'none') return false;
    if (match.kind === 'wrongMethod') {
        sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`, {
            allow: match.allowed.join(', '),
        });
        return true;
    }
    const body = await receiveBody(req, res, {
        maxBytes: options.maxBodyBytes * 4,
        idleTimeoutMs: options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
        deadlineMs: options.bodyDeadlineMs ?? DEFAULT_BODY_DEADLINE_MS,
    });
    if (body === null) return true;
    const request = new HttpRequest({
        method,
        url: url.toString(),
        headers: headersOf(req),
        query: Object.fromEntries(url.searchParams.entries()),
        params: match.params,
        ...(body.length > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
    });
    const response = await invoke(match.route, request, res, options.log);
    if (response !== null) await writeResponse(res, response);
    return true;
}
