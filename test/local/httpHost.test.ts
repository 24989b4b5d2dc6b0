import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

import { HttpResponse } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CapturedFunction } from '../../src/local/functionsCore';
import { httpRoutes, serveFunction } from '../../src/local/httpHost';
import { silentLogger } from '../../src/ports/logger';

/** The local host's HTTP edge, driven over raw TCP as a client would (keep-alive, partial bodies, odd targets). */
const MAX_BODY_BYTES = 1_000;
const IDLE_MS = 300;

function fn(name: string, route: string, methods: string[]): CapturedFunction {
    return {
        name,
        bindings: { trigger: { type: 'httpTrigger', direction: 'in', route, methods, authLevel: 'function' } },
        handler: async (...args: unknown[]) => {
            const request = args[0] as { text(): Promise<string>; params: Record<string, string> };
            const body = await request.text();
            return new HttpResponse({ status: 200, jsonBody: { bytes: body.length, params: request.params } });
        },
    };
}

let server: Server;
let port = 0;

beforeAll(async () => {
    const routes = httpRoutes([fn('post', 'things', ['POST', 'OPTIONS']), fn('get', 'things/{id}', ['GET'])], 'api');
    server = createServer((req, res) => {
        void serveFunction(routes, req, res, {
            log: silentLogger,
            maxBodyBytes: MAX_BODY_BYTES,
            bodyIdleTimeoutMs: IDLE_MS,
        }).then((served) => {
            if (!served) {
                res.writeHead(404);
                res.end();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** One keep-alive connection; `exchange` writes raw bytes and resolves with the next full response's head and body. */
class Connection {
    private readonly socket: Socket;
    private buffered = '';
    private closed = false;
    private waiter: (() => void) | null = null;

    constructor() {
        this.socket = connect(port, '127.0.0.1');
        this.socket.setEncoding('latin1');
        this.socket.on('data', (chunk: string) => {
            this.buffered += chunk;
            this.waiter?.();
        });
        this.socket.on('close', () => {
            this.closed = true;
            this.waiter?.();
        });
        this.socket.on('error', () => undefined);
    }

    write(raw: string): void {
        this.socket.write(raw, 'latin1');
    }

    /** The next response: status, headers (lower-cased names) and body (Content-Length framed). */
    async response(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
        for (;;) {
            const end = this.buffered.indexOf('\r\n\r\n');
            if (end >= 0) {
                const [statusLine = '', ...lines] = this.buffered.slice(0, end).split('\r\n');
                const headers = Object.fromEntries(
                    lines.map((line) => {
                        const colon = line.indexOf(':');
                        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
                    }),
                );
                const length = Number(headers['content-length'] ?? '0');
                if (this.buffered.length >= end + 4 + length) {
                    const body = Buffer.from(this.buffered.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
                    this.buffered = this.buffered.slice(end + 4 + length);
                    return { status: Number(statusLine.split(' ')[1]), headers, body };
                }
            }
            if (this.closed) throw new Error(`connection closed; received: ${JSON.stringify(this.buffered)}`);
            await new Promise<void>((resolve) => (this.waiter = resolve));
        }
    }

    isClosed(): Promise<boolean> {
        if (this.closed) return Promise.resolve(true);
        return new Promise((resolve) => {
            const timer = setTimeout(() => resolve(this.closed), 2_000);
            this.socket.once('close', () => {
                clearTimeout(timer);
                resolve(true);
            });
        });
    }

    end(): void {
        this.socket.destroy();
    }
}

const post = (body: string, headers = ''): string =>
    `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('local HTTP host: protocol edges', () => {
    it('serves two requests on one keep-alive connection', async () => {
        const connection = new Connection();
        connection.write(post('{"a":1}'));
        expect((await connection.response()).status).toBe(200);
        connection.write(post('{"b":2}'));
        expect((await connection.response()).status).toBe(200);
        connection.end();
    });

    it('answers a body over the limit with 413 and Connection: close, so the next request goes on a new connection', async () => {
        const connection = new Connection();
        // Declared and sent, larger than the host's own limit: the body is not read to its end.
        const big = 'x'.repeat(MAX_BODY_BYTES * 4 + 1);
        connection.write(post(big));
        const answer = await connection.response();
        expect(answer.status).toBe(413);
        expect(answer.headers.connection).toBe('close');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 413 });
        expect(await connection.isClosed()).toBe(true);

        const next = new Connection();
        next.write(post('{"a":1}'));
        expect((await next.response()).status).toBe(200);
        next.end();
    });

    it('answers a body that declares more than it sends with 408, instead of waiting for ever', async () => {
        const connection = new Connection();
        connection.write(
            `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"joiner":`,
        );
        const answer = await connection.response();
        expect(answer.status).toBe(408);
        expect(answer.headers.connection).toBe('close');
        connection.end();
    });

    it('names the allowed methods in Allow on a 405', async () => {
        const connection = new Connection();
        connection.write('DELETE /api/things HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
        const answer = await connection.response();
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('OPTIONS, POST');
        connection.end();
    });

    it.each([
        ['a lone percent sign', '/api/things/%'],
        ['a truncated escape', '/api/things/%E2%82'],
        ['an escape that is not hex', '/api/things/%zz'],
        ['an overlong UTF-8 encoding', '/api/things/%C0%AF'],
    ])('answers a malformed percent-encoding in the path (%s) with a 400 problem, not a 500', async (_name, path) => {
        const connection = new Connection();
        connection.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        const answer = await connection.response();
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 400 });
        connection.end();
    });

    it.each([
        ['a space', 'bad host'],
        ['a bracket', '[::1'],
        ['a port out of range', '127.0.0.1:99999'],
    ])('answers a Host header with %s with a 400 problem, not a 500', async (_name, host) => {
        const connection = new Connection();
        connection.write(`GET /api/things/1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        const answer = await connection.response();
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        connection.end();
    });

    it('still decodes a well-formed percent-encoding', async () => {
        const connection = new Connection();
        connection.write('GET /api/things/a%20b%E2%82%AC HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        const answer = await connection.response();
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ params: { id: 'a b€' } });
        connection.end();
    });
});
