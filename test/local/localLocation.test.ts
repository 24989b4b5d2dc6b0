/**
 * Issue 13 item 14 on `npm start`: the embedded host tells the app its own address (as Core Tools and App Service
 * do with WEBSITE_HOSTNAME), so the Location points at the host whatever Host header a caller sends.
 */
import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LocalHost } from '../../src/local/localHost';
import { startTestLocalHost, type TestLocalHost } from '../support/localHostFixture';

/** A POST with a Host header of the caller's choosing (fetch cannot set one). */
function postWithHost(port: number, host: string): Promise<{ status: number; location: string | undefined }> {
    return new Promise((resolve, reject) => {
        const req = httpRequest(
            {
                host: '127.0.0.1',
                port,
                method: 'POST',
                path: '/api/sync/requests?code=k3y',
                headers: { host, 'content-type': 'application/json' },
            },
            (res) => {
                res.resume();
                res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
            },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ kind: 'joiner', upn: 'new.joiner@contoso.com' }));
    });
}

describe('npm start: Location from the host’s own address', () => {
    let local: TestLocalHost;
    let host: LocalHost;
    const before = process.env.WEBSITE_HOSTNAME;

    beforeAll(async () => {
        local = await startTestLocalHost('local-location');
        host = local.host;
    }, 60_000);

    afterAll(async () => {
        await local.stop();
        if (before === undefined) delete process.env.WEBSITE_HOSTNAME;
        else process.env.WEBSITE_HOSTNAME = before;
    });

    it('ignores a forged Host header', async () => {
        const answer = await postWithHost(host.port, 'attacker.example');
        expect(answer.status).toBe(202);
        expect(answer.location).toMatch(
            new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/api/sync/requests/[0-9a-f-]{36}\\?code=k3y$`),
        );
    });
});
