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

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buffer.length;
        // The host has its own limit; the app's own check answers properly below this one.
        if (size > maxBytes) return null;
        chunks.push(buffer);
    }
    return Buffer.concat(chunks);
}

function sendProblem(res: ServerResponse, status: number, title: string, detail: string): void {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
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
    options: { readonly log: Logger; readonly maxBodyBytes: number },
): Promise<boolean> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: HttpRoute; params: Record<string, string> } | null = null;
    let pathMatched = false;
    for (const route of routes) {
        const m = route.pattern.exec(url.pathname);
        if (m === null) continue;
        pathMatched = true;
        if (!route.methods.includes(method)) continue;
        const params: Record<string, string> = {};
        route.paramNames.forEach((name, i) => {
            const value = m[i + 1];
            if (value !== undefined && value !== '') params[name] = decodeURIComponent(value);
        });
        matched = { route, params };
        break;
    }
    if (matched === null) {
        if (!pathMatched) return false;
        sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`);
        return true;
    }
    const body = await readBody(req, options.maxBodyBytes * 4);
    if (body === null) {
        sendProblem(res, 413, 'Payload Too Large', 'The request body is too large');
        return true;
    }
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
    res.writeHead(response.status, headers);
    res.end(payload);
    return true;
}
