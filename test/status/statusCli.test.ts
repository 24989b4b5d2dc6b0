import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CliIo, EXIT, runStatusCli } from '../../src/cli/statusCli';
import { NO_COLOUR, timelineText } from '../../src/cli/statusText';
import type { LocalHost } from '../../src/local/localHost';
import { respondWithStatus } from '../../src/transports/http/statusHandler';
import { changes, Driver, T0 } from '../support/decideDriver';
import { FAST_LOCAL_TIMING, startTestLocalHost, type TestLocalHost } from '../support/localHostFixture';
import {
    BULK_COUNTS,
    bulkSource,
    DAY_RUNS,
    daySource,
    hostileSource,
    responseText,
    SCRIPT_ID,
    statusRequest,
} from './statusFixtures';

const root = join(__dirname, '..', '..');

/** Runs the CLI in-process with real fetch; collects what it prints. */
async function cli(argv: string[], env: Record<string, string> = {}, stdoutIsTty = false) {
    let out = '';
    let err = '';
    const io: CliIo = { fetch, env, stdoutIsTty, out: (t) => (out += t), err: (t) => (err += t) };
    const code = await runStatusCli(argv, io);
    return { code, out, err };
}

interface Loopback {
    url: string;
    requests: { url: string; headers: IncomingHttpHeaders }[];
    close(): Promise<void>;
}

/** A loopback server answering every request with `answer`. */
async function loopback(answer: (url: string) => { status: number; type: string; body: string }): Promise<Loopback> {
    const requests: Loopback['requests'] = [];
    const server: Server = createServer((req, res) => {
        requests.push({ url: req.url ?? '', headers: req.headers });
        const { status, type, body } = answer(req.url ?? '');
        res.writeHead(status, { 'content-type': type }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** A loopback server that answers through the real status handler. */
async function statusServer(source: Parameters<typeof respondWithStatus>[1]): Promise<Loopback> {
    const answers = new Map<string, string>();
    const server = await loopback(() => ({ status: 200, type: 'application/json', body: answers.get('body') ?? '' }));
    answers.set('body', responseText(await respondWithStatus(statusRequest('http://x/api/status'), source)));
    return server;
}

const problem = (status: number, title: string) => ({
    status,
    type: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title, status, detail: 'detail text' }),
});

describe('npm run status against the local host', () => {
    let local: TestLocalHost;
    let host: LocalHost;

    beforeAll(async () => {
        local = await startTestLocalHost('status-cli', FAST_LOCAL_TIMING);
        host = local.host;
    }, 60_000);

    afterAll(() => local.stop());

    it('prints each target, its timeline and the run of a joiner once its cycle has ended', async () => {
        const accepted = await fetch(`${host.url}/api/sync/requests`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'joiner', upn: 'status.cli@contoso.com' }),
        });
        expect(accepted.status).toBe(202);
        const location = accepted.headers.get('location') ?? '';
        for (let i = 0; i < 60; i++) {
            if ((await fetch(location)).status !== 202) break;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        expect((await fetch(location)).status).toBe(200);

        const { code, out, err } = await cli(['--url', host.url]);
        expect(err).toBe('');
        expect(code).toBe(EXIT.ok);
        const targetId = [...host.config.targets.keys()][0] ?? '';
        expect(out).toContain(`${targetId}  HEALTHY`);
        expect(out).toMatch(/-24h \.{47}o now/);
        expect(out).toMatch(/\n {2}\d\d:\d\d {6} {2}Succeeded +\d+s +1 +\d+s\n/);
        expect(out).not.toContain('\u001b[');

        const json = await cli(['--url', `${host.url}/api/status`, '--json']);
        expect(json.code).toBe(EXIT.ok);
        expect((JSON.parse(json.out) as { targets: { targetId: string }[] }).targets[0]?.targetId).toBe(targetId);
    }, 60_000);

    it("runs README's documented --json command: its whole stdout parses as the status JSON", async () => {
        // The command exactly as README's On-call section shows it, pointed at this host.
        const readme = readFileSync(join(root, 'README.md'), 'utf8');
        const documented = readme
            .split('\n')
            .find((line) => /^npm run .*status -- .*--json/.test(line))
            ?.replace(/\s+#.*$/, '');
        expect(documented).toMatch(/--url http:\/\/localhost:7071/);
        const command = (documented ?? '').replace('http://localhost:7071', host.url);
        const child = spawn('bash', ['-c', command], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        expect(code).toBe(EXIT.ok);
        const parsed = JSON.parse(stdout) as { targets: { targetId: string }[] };
        expect(parsed.targets.map((t) => t.targetId)).toEqual([...host.config.targets.keys()]);
    }, 70_000);

    it('runs as `npm run status` and exits with its documented code', async () => {
        // Asynchronous: the local host answers from this process, so it must not be blocked while the CLI runs.
        const child = spawn('npm', ['run', '--silent', 'status', '--', '--url', host.url], {
            cwd: root,
            env: { ...process.env, NO_COLOR: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        expect(stderr).toBe('');
        expect(code).toBe(EXIT.ok);
        expect(stdout).toContain('Entra Connect sync status at ');
    }, 70_000);
});

describe('npm run status: errors and exit codes', () => {
    const servers: Loopback[] = [];
    afterAll(async () => {
        for (const s of servers) await s.close();
    });
    const serve = async (server: Promise<Loopback>) => {
        const s = await server;
        servers.push(s);
        return s;
    };

    it('sends the key as x-functions-key, never in the URL, and reads /api/status whatever base is given', async () => {
        const server = await serve(statusServer(daySource()));
        for (const base of [server.url, `${server.url}/`, `${server.url}/api`, `${server.url}/api/status`]) {
            expect((await cli(['--url', base, '--key', 'k-123'])).code).toBe(EXIT.ok);
        }
        expect(server.requests.map((r) => r.url)).toEqual(Array.from({ length: 4 }, () => '/api/status'));
        expect(server.requests.every((r) => r.headers['x-functions-key'] === 'k-123')).toBe(true);
        await cli(['--url', server.url], { STATUS_KEY: 'from-env' });
        expect(server.requests.at(-1)?.headers['x-functions-key']).toBe('from-env');
    });

    it('401 without a key: names the --key option, exit 3', async () => {
        const server = await serve(loopback(() => problem(401, 'Unauthorized')));
        const { code, err, out } = await cli(['--url', server.url]);
        expect(code).toBe(EXIT.unauthorized);
        expect(out).toBe('');
        expect(err).toContain('HTTP 401');
        expect(err).toContain('No key was given: pass --key');
    });

    it('403 with a key: says the key was refused, exit 3', async () => {
        const server = await serve(loopback(() => problem(403, 'Forbidden')));
        const { code, err } = await cli(['--url', server.url, '--key', 'wrong']);
        expect(code).toBe(EXIT.unauthorized);
        expect(err).toContain('HTTP 403');
        expect(err).toContain('The key was refused: pass --key with a function key of the statusPage function');
        expect(err).not.toContain('wrong');
    });

    it('unreachable: a clear message, exit 4', async () => {
        const server = await loopback(() => problem(500, 'x'));
        await server.close();
        const { code, err } = await cli(['--url', server.url]);
        expect(code).toBe(EXIT.unreachable);
        expect(err).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\. Check --url/);
    });

    it('another answer: the problem title, exit 5; not JSON or not a status: exit 5', async () => {
        const failing = await serve(loopback(() => problem(500, 'Internal error')));
        const five = await cli(['--url', failing.url]);
        expect(five.code).toBe(EXIT.unexpected);
        expect(five.err).toContain('HTTP 500: Internal error — detail text');
        const html = await serve(loopback(() => ({ status: 200, type: 'text/html', body: '<!doctype html>' })));
        expect((await cli(['--url', html.url])).err).toContain('not JSON');
        const other = await serve(loopback(() => ({ status: 200, type: 'application/json', body: '{"a":1}' })));
        const notStatus = await cli(['--url', other.url]);
        expect(notStatus.code).toBe(EXIT.unexpected);
        expect(notStatus.err).toContain('not a status');
    });

    it('bad command lines: exit 2 with the usage', async () => {
        expect((await cli([])).code).toBe(EXIT.usage);
        expect((await cli(['--url', 'ftp://x'])).code).toBe(EXIT.usage);
        expect((await cli(['--url', 'http://x', '--bogus'])).err).toContain('Usage: npm run status');
        expect((await cli(['--url', 'http://x', '--timeout', '-1'])).code).toBe(EXIT.usage);
        expect((await cli(['--help'])).out).toContain('Exit codes: 0');
    });

    it('prints the run queued behind the running one on its own line', async () => {
        const d = new Driver();
        d.feed(changes('r1'), T0);
        d.startRun();
        d.feed(changes('joiner', { urgent: true }), T0 + 40_000);
        const server = await serve(
            statusServer({ ...hostileSource(), readState: () => Promise.resolve(d.state), now: () => T0 + 50_000 }),
        );
        const { out } = await cli(['--url', server.url]);
        expect(out).toContain('\n  run #1: active (job created) for 30s');
        expect(out).toContain('  run #2: queued behind it, waits for the running cycle (no job yet)');
    });

    it('a failing target: exit 1; hostile text from the server cannot reach the terminal as control codes', async () => {
        const server = await serve(
            statusServer({
                ...hostileSource(),
                readState: async (id) => {
                    const state = await hostileSource().readState(id);
                    return { ...state, targetId: `${state.targetId}\u001b[2J` };
                },
            }),
        );
        const { code, out } = await cli(['--url', server.url], {}, true);
        expect(code).toBe(EXIT.failing);
        expect(out).toContain(SCRIPT_ID);
        expect(out).toContain('FAILING');
        expect(out).toContain('Hybrid Worker offline');
        expect(out).not.toContain('\u001b[2J');
        expect(out).toContain(`${SCRIPT_ID}?[2J`);
    });

    it('a job queued for an offline worker: says no cycle is running; bulk counts printed whole, aligned', async () => {
        const server = await serve(statusServer(bulkSource()));
        const { code, out } = await cli(['--url', server.url]);
        expect(code).toBe(EXIT.failing);
        expect(out).toContain('contoso  FAILING  no cycle running: the Hybrid Worker is offline');
        expect(out).not.toMatch(/cycle running[,·]/);
        const rows = out.split('\n').filter((l) => /^ {2}\d\d:\d\d {2}/.test(l));
        expect(rows.map((l) => l.slice(51, 58).trim())).toEqual(BULK_COUNTS.map(([n]) => String(n)));
    });

    it('colours only on a terminal, never with NO_COLOR; reasons only where present', async () => {
        const server = await serve(statusServer(daySource()));
        const coloured = await cli(['--url', server.url], {}, true);
        expect(coloured.out).toContain('\u001b[31m');
        const noColour = await cli(['--url', server.url], { NO_COLOR: '1' }, true);
        expect(noColour.out).not.toContain('\u001b[');
        const lines = noColour.out.split('\n');
        expect(lines.filter((l) => /^ {2}(\d\d-\d\d )?\d\d:\d\d {2}/.test(l))).toHaveLength(DAY_RUNS);
        expect(lines.filter((l) => l.startsWith('      ↳ '))).toHaveLength(3);
        expect(noColour.out).toContain('  run #49: active (job Running) for 1m00s, attempt 1, Delta, 2 change(s)');
    });

    it('draws the day as 48 half-hour characters, the worst outcome of each, the running cycle last', async () => {
        const response = await respondWithStatus(statusRequest('http://x/api/status'), daySource());
        const overview = JSON.parse(responseText(response)) as Parameters<typeof timelineText>[0] extends infer T
            ? { generatedAt: string; targets: T[] }
            : never;
        const target = overview.targets[0];
        if (target === undefined) throw new Error('no target');
        expect(timelineText(target, overview.generatedAt, NO_COLOUR)).toBe(
            `-24h ${'o'.repeat(14)}X${'o'.repeat(12)}!${'o'.repeat(16)}X${'o'.repeat(2)}> now`,
        );
    });
});
