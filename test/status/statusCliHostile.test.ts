import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, describe, expect, it } from 'vitest';

import { type CliIo, EXIT, MAX_ANSWER_BYTES, runStatusCli } from '../../src/cli/statusCli';
import { respondWithStatus } from '../../src/transports/http/statusHandler';
import { daySource, responseText, statusRequest } from './statusFixtures';

/**
 * `npm run status` against a hostile status server on loopback: whatever it sends, nothing reaches the terminal
 * as a control sequence and memory stays bounded. The hostile code points are listed here from their
 * definitions (ECMA-48 for the sequences, Unicode for the format and default-ignorable characters), not taken
 * from the code under test.
 */
const HOSTILE = {
    clearScreen: '\u001b[2J',
    oscTitle: '\u001b]0;owned\u0007',
    bell: '\u0007',
    rightToLeftOverride: '\u202e',
    c1Csi: '\u009b2J',
    c1Osc: '\u009d0;owned\u009c',
    lineSeparator: '\u2028',
    softHyphen: '\u00ad',
    graphemeJoiner: '\u034f',
    mongolianVowelSeparator: '\u180e',
    invisibleSeparator: '\u2063',
    hangulFiller: '\u3164',
    variationSelector: '\ufe0f',
    tagCharacters: '\u{e0061}\u{e0062}',
    interlinearAnchor: '\ufff9',
    nonCharacter: '\uffff',
    zeroWidthJoiner: '\u200d',
    byteOrderMark: '\ufeff',
} as const;
const ALL_HOSTILE = Object.values(HOSTILE).join('');

/** The hostile code points themselves (the printable ASCII of the sequences is harmless alone). */
const HOSTILE_POINTS = new Set(Array.from(ALL_HOSTILE).filter((c) => !/^[\x20-\x7e]$/.test(c)));

/** Every hostile code point in `text`, and any C0 control but the newline, DEL or C1 control besides. */
function hostileIn(text: string): string[] {
    return Array.from(text).filter(
        (c) => HOSTILE_POINTS.has(c) || /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u.test(c),
    );
}

interface Hostile {
    url: string;
    close(): Promise<void>;
}

const servers: Hostile[] = [];
afterAll(async () => {
    for (const s of servers) await s.close();
});

/** A loopback server that answers every request with `handle`. */
async function hostileServer(handle: (res: ServerResponse, req: IncomingMessage) => void): Promise<Hostile> {
    const server: Server = createServer((req, res) => handle(res, req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const hostile: Hostile = {
        url: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
    servers.push(hostile);
    return hostile;
}

const answer = (status: number, body: string, type = 'application/json') =>
    hostileServer((res) => {
        res.writeHead(status, { 'content-type': type }).end(body);
    });

async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const io: CliIo = {
        fetch,
        env: { NO_COLOR: '1' },
        stdoutIsTty: false,
        out: (t) => (out += t),
        err: (t) => (err += t),
    };
    const code = await runStatusCli(argv, io);
    return { code, out, err };
}

/** A real status answer (the service's own handler), then every string in it replaced by `hostile`. */
async function hostileStatus(edit: (status: StatusJson) => void): Promise<string> {
    const status = JSON.parse(
        responseText(await respondWithStatus(statusRequest('http://x/api/status'), daySource())),
    ) as StatusJson;
    edit(status);
    return JSON.stringify(status);
}

interface StatusJson {
    generatedAt: string;
    targets: {
        targetId: string;
        activity: string;
        lastSuccessAt: string | null;
        run: {
            phase: string;
            policy: string;
            jobStatus: string | null;
            jobName: string | null;
            lastError: string | null;
        };
        lastRuns: { outcome: string; reason: string | null; endedAt: string }[];
    }[];
}

function firstTarget(status: StatusJson): StatusJson['targets'][number] {
    const target = status.targets[0];
    if (target === undefined) throw new Error('the fixture has a target');
    return target;
}

describe('npm run status against a hostile server: no control sequence reaches the terminal', () => {
    it('a time field that is not an instant (ESC[2J in generatedAt): not a status, exit 5, nothing of it printed', async () => {
        for (const field of ['generatedAt', 'lastSuccessAt', 'endedAt'] as const) {
            const body = await hostileStatus((s) => {
                const t = firstTarget(s);
                const run = t.lastRuns[0];
                if (field === 'generatedAt') s.generatedAt = `${s.generatedAt}${HOSTILE.clearScreen}`;
                if (field === 'lastSuccessAt') t.lastSuccessAt = `${HOSTILE.oscTitle}2026-01-05T08:00:00.000Z`;
                if (field === 'endedAt' && run !== undefined) run.endedAt = `2026-01-05T08:00${HOSTILE.c1Csi}`;
            });
            const server = await answer(200, body);
            const { code, out, err } = await cli(['--url', server.url]);
            expect(code, field).toBe(EXIT.unexpected);
            expect(out).toBe('');
            expect(err).toContain('not a status');
            expect(hostileIn(err), field).toEqual([]);
        }
    });

    it('OSC title, BEL, ESC, C1, bidi override, separators, invisible and tag characters in every text field', async () => {
        const body = await hostileStatus((s) => {
            const t = firstTarget(s);
            t.targetId = `contoso${HOSTILE.oscTitle}${HOSTILE.rightToLeftOverride}evil`;
            t.activity = `running${HOSTILE.c1Csi}${HOSTILE.c1Osc}`;
            t.run.phase = `active${HOSTILE.bell}${HOSTILE.lineSeparator}`;
            t.run.policy = `Delta${HOSTILE.softHyphen}${HOSTILE.graphemeJoiner}${HOSTILE.tagCharacters}`;
            t.run.jobStatus = `Running${HOSTILE.clearScreen}${HOSTILE.mongolianVowelSeparator}`;
            t.run.lastError = `boom${HOSTILE.invisibleSeparator}${HOSTILE.hangulFiller}${HOSTILE.variationSelector}`;
            for (const run of t.lastRuns) {
                run.outcome = `Failed${HOSTILE.interlinearAnchor}${HOSTILE.nonCharacter}`;
                run.reason = `why${HOSTILE.zeroWidthJoiner}${HOSTILE.byteOrderMark}${ALL_HOSTILE}`;
            }
        });
        const server = await answer(200, body);
        const { code, out, err } = await cli(['--url', server.url]);
        expect(err).toBe('');
        expect(code).toBe(EXIT.ok);
        expect(out).toContain('contoso?]0;owned??evil');
        expect(hostileIn(out)).toEqual([]);
    });

    it('a very long server string is cut to a line, not a screenful', async () => {
        const body = await hostileStatus((s) => {
            for (const run of firstTarget(s).lastRuns) run.reason = 'x'.repeat(200_000);
        });
        const server = await answer(200, body);
        const { out } = await cli(['--url', server.url]);
        const longest = Math.max(...out.split('\n').map((line) => line.length));
        expect(longest).toBeLessThan(600);
    });

    it('problem details of a 500, a 401 and a 403: title and detail without their control sequences', async () => {
        const problem = JSON.stringify({
            type: 'about:blank',
            title: `Internal error${HOSTILE.clearScreen}${HOSTILE.oscTitle}`,
            status: 500,
            detail: `${HOSTILE.rightToLeftOverride}gnp.exe${HOSTILE.bell}${HOSTILE.c1Csi}`,
        });
        for (const [status, exit] of [
            [500, EXIT.unexpected],
            [401, EXIT.unauthorized],
            [403, EXIT.unauthorized],
        ] as const) {
            const server = await answer(status, problem, 'application/problem+json');
            const { code, out, err } = await cli(['--url', server.url]);
            expect(code, String(status)).toBe(exit);
            expect(out).toBe('');
            expect(err).toContain('Internal error');
            expect(err).toContain('gnp.exe');
            expect(hostileIn(err), String(status)).toEqual([]);
        }
    });

    it('--json: the same value as the server sent, every hostile character as a \\u escape', async () => {
        const body = await hostileStatus((s) => {
            const t = firstTarget(s);
            t.targetId = `contoso${ALL_HOSTILE}`;
            t.run.lastError = ALL_HOSTILE;
        });
        const server = await answer(200, body);
        const { code, out } = await cli(['--url', server.url, '--json']);
        expect(code).toBe(EXIT.ok);
        expect(hostileIn(out)).toEqual([]);
        expect(JSON.parse(out)).toEqual(JSON.parse(body));
    });
});

describe('npm run status against a hostile server: the answer size is bounded', () => {
    it(`an endless answer: reading stops past ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, exit 6`, async () => {
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sentBytes = 0;
        // Stops by itself well past the limit, so a client without a limit ends too (and fails the test).
        const cap = MAX_ANSWER_BYTES + 64 * 1024 * 1024;
        const server = await hostileServer((res) => {
            let written = 0;
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"generatedAt":"');
            const pump = (): void => {
                while (written < cap) {
                    written += chunk.length;
                    if (!res.write(chunk)) {
                        res.once('drain', pump);
                        return;
                    }
                }
                res.end('"}');
            };
            res.on('close', () => (sentBytes = written));
            pump();
        });
        const { code, out, err } = await cli(['--url', server.url]);
        expect(out).toBe('');
        expect(code).toBe(EXIT.tooLarge);
        expect(err).toContain('larger than 32 MiB');
        await expect.poll(() => sentBytes).toBeGreaterThan(0);
        // The client stopped reading at the limit: the server could hand over little more than the limit (socket
        // buffers) before the connection closed.
        expect(sentBytes).toBeLessThan(MAX_ANSWER_BYTES + 16 * 1024 * 1024);
    }, 60_000);

    it('a declared Content-Length over the limit: exit 6 at once, the body never read', async () => {
        const server = await hostileServer((res) => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(400 * 1024 * 1024) });
            // Then nothing: a client waiting for the body would time out (exit 4) instead.
            res.write('{');
        });
        const started = Date.now();
        const { code, err } = await cli(['--url', server.url, '--timeout', '10']);
        expect(code).toBe(EXIT.tooLarge);
        expect(err).toContain('larger than 32 MiB');
        expect(Date.now() - started).toBeLessThan(5_000);
    });
});
