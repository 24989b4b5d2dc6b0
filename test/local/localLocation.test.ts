/**
 * Issue 13 item 14 on `npm start`: the embedded host tells the app its own address (as Core Tools and App Service
 * do with WEBSITE_HOSTNAME), so the Location points at the host whatever Host header a caller sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LocalHost, startLocalHost } from '../../src/local/localHost';
import { LOCAL_DEFAULTS } from '../../src/local/localSettings';
import { silentLogger } from '../../src/ports/logger';

const root = join(__dirname, '..', '..');

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
    let host: LocalHost;
    const dataDir = mkdtempSync(join(tmpdir(), 'local-location-'));
    const before = process.env.WEBSITE_HOSTNAME;

    beforeAll(async () => {
        host = await startLocalHost({
            root,
            port: 0,
            hostname: '127.0.0.1',
            settings: { ...LOCAL_DEFAULTS },
            storage: 'memory',
            azuriteLocation: join(dataDir, 'azurite'),
            timeScale: 1,
            log: silentLogger,
        });
    }, 60_000);

    afterAll(async () => {
        await host.stop();
        rmSync(dataDir, { recursive: true, force: true });
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
