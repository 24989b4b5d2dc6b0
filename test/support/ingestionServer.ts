import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { z } from 'zod';

/** One telemetry item as the Application Insights ingestion endpoint receives it. */
export interface Envelope {
    readonly name: string;
    readonly time: string;
    readonly iKey?: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly data: {
        readonly baseType: string;
        readonly baseData: Readonly<Record<string, unknown>>;
    };
}

const envelopeSchema = z.looseObject({
    name: z.string(),
    time: z.string(),
    iKey: z.string().optional(),
    tags: z.record(z.string(), z.string()).default({}),
    data: z.looseObject({ baseType: z.string(), baseData: z.record(z.string(), z.unknown()) }),
});

/** A self-signed certificate for 127.0.0.1, made with `openssl` in a temporary directory. */
export interface TestCertificate {
    readonly dir: string;
    readonly certPath: string;
    readonly keyPath: string;
    remove(): void;
}

/**
 * Makes a throwaway certificate for `127.0.0.1` and `localhost`. The SDK forces HTTPS for ingestion, so the test
 * server needs one, and the Node process that sends must trust it through `NODE_EXTRA_CA_CERTS` (read at start).
 */
export function makeTestCertificate(): TestCertificate {
    const dir = mkdtempSync(join(tmpdir(), 'ingestion-cert-'));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    execFileSync(
        'openssl',
        [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-sha256',
            '-days',
            '2',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1,DNS:localhost',
            '-addext',
            'basicConstraints=critical,CA:TRUE',
            '-keyout',
            keyPath,
            '-out',
            certPath,
        ],
        { stdio: 'ignore' },
    );
    return { dir, certPath, keyPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback HTTPS stand-in for `POST /v2.1/track`. */
export interface IngestionServer {
    /** `https://127.0.0.1:<port>/`, for `IngestionEndpoint=` in the connection string. */
    readonly endpoint: string;
    readonly envelopes: readonly Envelope[];
    /** Requests to other paths (live metrics pings, statsbeat): should stay empty with the test settings. */
    readonly otherRequests: readonly string[];
    /** Resolves when `predicate` holds for the envelopes received so far; rejects after `timeoutMs`. */
    waitFor(predicate: (envelopes: readonly Envelope[]) => boolean, timeoutMs?: number): Promise<readonly Envelope[]>;
    close(): Promise<void>;
}

/**
 * Starts the ingestion stand-in on 127.0.0.1 with a free port. It accepts plain or gzip JSON arrays (and
 * newline-delimited JSON), validates every envelope and answers like the real service.
 * @param certificate - from {@link makeTestCertificate}
 */
export async function startIngestionServer(certificate: TestCertificate): Promise<IngestionServer> {
    const envelopes: Envelope[] = [];
    const otherRequests: string[] = [];
    const waiters = new Set<() => void>();
    const server: Server = createServer(
        { cert: readFileSync(certificate.certPath), key: readFileSync(certificate.keyPath) },
        (req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                if (req.method !== 'POST' || !(req.url ?? '').startsWith('/v2.1/track')) {
                    otherRequests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
                    res.writeHead(404).end();
                    return;
                }
                try {
                    const raw = Buffer.concat(chunks);
                    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
                    const received = parseBody(text);
                    envelopes.push(...received);
                    res.writeHead(200, { 'content-type': 'application/json' }).end(
                        JSON.stringify({
                            itemsReceived: received.length,
                            itemsAccepted: received.length,
                            errors: [],
                        }),
                    );
                    for (const wake of waiters) wake();
                } catch (e) {
                    res.writeHead(400, { 'content-type': 'application/json' }).end(
                        JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [{ message: String(e) }] }),
                    );
                }
            });
        },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `https://127.0.0.1:${port}/`,
        envelopes,
        otherRequests,
        waitFor(predicate, timeoutMs = 20_000) {
            return new Promise((resolve, reject) => {
                const check = (): void => {
                    if (predicate(envelopes)) {
                        cleanup();
                        resolve(envelopes);
                    }
                };
                const timer = setTimeout(() => {
                    cleanup();
                    reject(new Error(`Ingestion server: condition not met; ${envelopes.length} envelopes received`));
                }, timeoutMs);
                const cleanup = (): void => {
                    clearTimeout(timer);
                    waiters.delete(check);
                };
                waiters.add(check);
                check();
            });
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

function parseBody(text: string): Envelope[] {
    const trimmed = text.trim();
    const items: unknown[] = trimmed.startsWith('[')
        ? z.array(z.unknown()).parse(JSON.parse(trimmed))
        : trimmed
              .split('\n')
              .filter((line) => line.trim() !== '')
              .map((line) => JSON.parse(line) as unknown);
    return items.map((item) => envelopeSchema.parse(item));
}

/** The envelope's `baseData.properties` (custom dimensions). */
export function propertiesOf(envelope: Envelope): Readonly<Record<string, string>> {
    return z
        .record(z.string(), z.string())
        .catch({})
        .parse(envelope.data.baseData.properties ?? {});
}

/** The envelope's `baseData.measurements` (custom measurements). */
export function measurementsOf(envelope: Envelope): Readonly<Record<string, number>> {
    return z
        .record(z.string(), z.number())
        .catch({})
        .parse(envelope.data.baseData.measurements ?? {});
}

/** `baseData.name` (events, availability, dependencies). */
export function nameOf(envelope: Envelope): string | undefined {
    const name = envelope.data.baseData.name;
    return typeof name === 'string' ? name : undefined;
}
