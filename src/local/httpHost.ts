import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';

import type { Logger } from '../ports/logger';
import { type CapturedFunction, triggerOf } from './functionsCore';

/** One HTTP-triggered function, matched the way the Functions host matches routes. */
export interface HttpRoute {
    readonly functionName: string;
    readonly template: string;
    readonly methods: readonly string[];
    readonly authLevel: string;
    readonly handler: (...args: unknown[]) => unknown;
    pattern: RegExp;
    readonly paramNames: readonly string[];
}

function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The HTTP routes of the captured registrations, below host.json's route prefix.
 * @param functions - captured registrations
 * @param routePrefix - host.json `extensions.http.routePrefix` (`api`)
 */
export function httpRoutes(functions: readonly CapturedFunction[], routePrefix: string): HttpRoute[] {
    const routes: HttpRoute[] = [];
    for (const fn of functions) {
        const trigger = triggerOf(fn);
        if (trigger.type !== 'httpTrigger') continue;
        const route = typeof trigger.route === 'string' ? trigger.route : fn.name;
        const template = [routePrefix, route].filter((p) => p !== '').join('/');
        const paramNames: string[] = [];
        const pattern = template
            .split('/')
            .map((segment) => {
                const param = /^\{([A-Za-z0-9_]+)(?::.*?)?(\?)?\}$/.exec(segment);
                if (param === null) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
                paramNames.push(param[1] ?? '');
                return param[2] === '?' ? '(?:/([^/]+))?' : '/([^/]+)';
            })
            .join('');
        routes.push({
            functionName: fn.name,
            template,
            methods: stringList(trigger.methods).map((m) => m.toUpperCase()),
            authLevel: typeof trigger.authLevel === 'string' ? trigger.authLevel : 'function',
            handler: fn.handler,
            pattern: new RegExp(`^${pattern}/?$`, 'i'),
            paramNames,
        });
    }
    // Literal routes win over parameterised ones, as in the host.
    return routes.sort((a, b) => a.paramNames.length - b.paramNames.length);
}

function headersOf(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return headers;
}

/** How long the host waits for the next chunk of a request body before it gives up (408). */
const DEFAULT_BODY_IDLE_TIMEOUT_MS = 10_000;

type BodyRead =
    { readonly kind: 'complete'; readonly body: Buffer } | { readonly kind: 'tooLarge' } | { readonly kind: 'stalled' };

/**
 * Reads a request body up to `maxBytes`, giving up when no byte arrives for `idleTimeoutMs` (a client that
 * declares 2 MB and sends 20 bytes would otherwise hold the request open for ever).
 */
function readBody(req: IncomingMessage, maxBytes: number, idleTimeoutMs: number): Promise<BodyRead> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let timer = setTimeout(() => finish({ kind: 'stalled' }), idleTimeoutMs);
        function finish(result: BodyRead): void {
            clearTimeout(timer);
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
            if (size > maxBytes) return finish({ kind: 'tooLarge' });
            chunks.push(buffer);
            clearTimeout(timer);
            timer = setTimeout(() => finish({ kind: 'stalled' }), idleTimeoutMs);
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

/** A percent-decoded path segment, or null when its percent-encoding is malformed. */
export function decodePathSegment(segment: string): string | null {
    try {
        return decodeURIComponent(segment);
    } catch {
        return null;
    }
}

function isResponseInit(value: unknown): value is HttpResponseInit {
    return typeof value === 'object' && value !== null;
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
    options: { readonly log: Logger; readonly maxBodyBytes: number; readonly bodyIdleTimeoutMs?: number },
): Promise<boolean> {
    let url: URL;
    try {
        url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
        // A Host header or request target that is not a URL: the caller's fault, not the host's.
        sendProblem(res, 400, 'Bad Request', 'The request target or the Host header is malformed');
        return true;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: HttpRoute; params: Record<string, string> } | null = null;
    const allowed = new Set<string>();
    for (const route of routes) {
        const m = route.pattern.exec(url.pathname);
        if (m === null) continue;
        route.methods.forEach((allowedMethod) => allowed.add(allowedMethod));
        if (matched !== null || !route.methods.includes(method)) continue;
        const params: Record<string, string> = {};
        for (const [i, name] of route.paramNames.entries()) {
            const value = m[i + 1];
            if (value === undefined || value === '') continue;
            const decoded = decodePathSegment(value);
            if (decoded === null) {
                sendProblem(res, 400, 'Bad Request', 'The request path holds a malformed percent-encoding');
                return true;
            }
            params[name] = decoded;
        }
        matched = { route, params };
    }
    if (matched === null) {
        if (allowed.size === 0) return false;
        sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`, {
            allow: [...allowed].sort().join(', '),
        });
        return true;
    }
    const limit = options.maxBodyBytes * 4;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limit) {
        answerAndClose(res, 413, 'Payload Too Large', 'The request body is too large');
        return true;
    }
    const read = await readBody(req, limit, options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS);
    if (read.kind === 'tooLarge') {
        answerAndClose(res, 413, 'Payload Too Large', 'The request body is too large');
        return true;
    }
    if (read.kind === 'stalled') {
        answerAndClose(res, 408, 'Request Timeout', 'The request body did not arrive in time');
        return true;
    }
    const body = read.body;
    const invocationId = randomUUID();
    const request = new HttpRequest({
        method,
        url: url.toString(),
        headers: headersOf(req),
        query: Object.fromEntries(url.searchParams.entries()),
        params: matched.params,
        ...(body.length > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
    });
    const context = new InvocationContext({
        invocationId,
        functionName: matched.route.functionName,
        logHandler: (level, ...args) => {
            const line = `[${matched.route.functionName}] ${args.map(String).join(' ')}`;
            if (level === 'error' || level === 'critical') options.log.error(line);
            else if (level === 'warning') options.log.warn(line);
            else if (level === 'information') options.log.info(line);
        },
        triggerMetadata: {},
    });
    let response: HttpResponse;
    try {
        const result: unknown = await matched.route.handler(request, context);
        response =
            result instanceof HttpResponse
                ? result
                : new HttpResponse(isResponseInit(result) ? result : { status: 200 });
    } catch (e) {
        // As the host: a failed invocation is a bare 500; the detail goes to the log, never to the caller.
        options.log.error(`[${matched.route.functionName}] invocation ${invocationId} failed`, e);
        sendProblem(res, 500, 'Internal Server Error', `Invocation ${invocationId} failed`);
        return true;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
        headers[name] = value;
    });
    const payload = Buffer.from(await response.arrayBuffer());
    // Framed by length, as the Functions host answers (no chunked encoding for a body it already holds).
    headers['content-length'] = String(payload.length);
    res.writeHead(response.status, headers);
    res.end(payload);
    return true;
}
