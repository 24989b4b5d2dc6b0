import type { IncomingMessage, ServerResponse } from 'node:http';

import type { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import { decodePathSegment } from './httpHost';
import type { LocalQueue } from './localQueue';
import type { ScaledClock } from './scaledClock';

async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const text = Buffer.concat(chunks).toString('utf8');
    return text.trim() === '' ? null : (JSON.parse(text) as unknown);
}

/** Local-only helpers under `/_local/`: not part of the app, never deployed. */
export function localEndpoints(deps: {
    simulation: SimulatedConnectServer | null;
    queues: ReadonlyMap<string, LocalQueue>;
    clock: ScaledClock;
}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
    const json = (res: ServerResponse, status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body, null, 2));
    };
    return async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (!url.pathname.startsWith('/_local/')) return false;
        const simulation = deps.simulation;
        if (req.method === 'GET' && url.pathname === '/_local/simulation') {
            if (simulation === null) json(res, 404, { error: 'AUTOMATION_MODE is not simulated' });
            else {
                json(res, 200, {
                    now: new Date(deps.clock.now()).toISOString(),
                    timeScale: deps.clock.scale,
                    server: simulation.snapshot(),
                    stats: simulation.stats(),
                    recentCycles: simulation.cycles().slice(-20),
                });
            }
            return true;
        }
        if (req.method === 'POST' && url.pathname === '/_local/simulation/worker') {
            const state = url.searchParams.get('state');
            if (simulation === null || (state !== 'online' && state !== 'offline' && state !== 'hung')) {
                json(res, 400, { error: 'use ?state=online|offline|hung with AUTOMATION_MODE=simulated' });
            } else {
                simulation.setWorker(state);
                json(res, 200, { worker: state });
            }
            return true;
        }
        const queueMatch = /^\/_local\/queues\/([^/]+)$/.exec(url.pathname);
        if (req.method === 'POST' && queueMatch !== null) {
            const queue = deps.queues.get(decodePathSegment(queueMatch[1] ?? '') ?? '');
            if (queue === undefined) {
                json(res, 404, { error: 'unknown queue', queues: [...deps.queues.keys()] });
                return true;
            }
            let body: unknown;
            try {
                body = await readJson(req);
            } catch {
                json(res, 400, { error: 'the body must be JSON' });
                return true;
            }
            const messageId = req.headers['x-message-id'];
            const sequenceNumber = queue.send(body, undefined, typeof messageId === 'string' ? messageId : undefined);
            json(res, 202, { queue: queue.name, sequenceNumber });
            return true;
        }
        json(res, 404, { error: 'unknown local endpoint' });
        return true;
    };
}
