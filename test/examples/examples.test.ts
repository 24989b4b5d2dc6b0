import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LocalHost } from '../../src/local/localHost';
import { PWSH } from '../infra/powershellTool';
import { FAST_LOCAL_TIMING, startTestLocalHost, type TestLocalHost } from '../support/localHostFixture';
import { findExecutable, itWithTool, type RequiredTool } from '../support/requiredTool';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
/** The host every example is written for; the test substitutes the running local host. */
const DOCUMENTED_HOST = 'http://localhost:7071';

/** The shared fast timing, and status polls answered with a 1 s Retry-After. */
const FAST: Record<string, string> = { ...FAST_LOCAL_TIMING, STATUS_RETRY_AFTER_SECONDS: '1' };

const CURL: RequiredTool = {
    name: 'curl',
    path: findExecutable('curl'),
    install: 'sudo apt-get install curl (Debian/Ubuntu)',
};

// ---- examples/requests.http -------------------------------------------------------------------------------

/** One request of an .http file, as written (variables not yet substituted). */
interface HttpFileRequest {
    readonly title: string;
    readonly name: string | null;
    readonly expect: number;
    readonly method: string;
    readonly url: string;
    readonly headers: readonly (readonly [string, string])[];
    readonly body: string;
}

/**
 * Parses the subset of the REST Client / JetBrains syntax the file uses: `@name = value` variables, `###`
 * separators (the rest of the line is the title), `# @name` and `# Expect:` comments, a request line, headers, a
 * blank line and the body.
 */
function parseHttpFile(text: string): { variables: Map<string, string>; requests: HttpFileRequest[] } {
    const variables = new Map<string, string>();
    const requests: HttpFileRequest[] = [];
    const blocks = text.split(/^###/m);
    for (const line of (blocks.shift() ?? '').split('\n')) {
        const variable = /^@(\w+)\s*=\s*(.*)$/.exec(line.trim());
        if (variable !== null) variables.set(variable[1] ?? '', (variable[2] ?? '').trim());
    }
    for (const block of blocks) {
        const lines = block.split('\n');
        const title = (lines.shift() ?? '').trim();
        let name: string | null = null;
        let expected: number | null = null;
        let i = 0;
        for (; i < lines.length; i++) {
            const line = (lines[i] ?? '').trim();
            if (line === '') continue;
            if (!line.startsWith('#') && !line.startsWith('//')) break;
            name = /^#\s*@name\s+(\w+)/.exec(line)?.[1] ?? name;
            const status = /^#\s*Expect:\s*(\d{3})\b/.exec(line)?.[1];
            if (status !== undefined) expected = Number(status);
        }
        const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/.exec((lines[i] ?? '').trim());
        if (requestLine === null) throw new Error(`"${title}": no request line`);
        if (expected === null) throw new Error(`"${title}": no "# Expect: <status>" comment`);
        const headers: [string, string][] = [];
        for (i++; i < lines.length && (lines[i] ?? '').trim() !== ''; i++) {
            const line = lines[i] ?? '';
            const colon = line.indexOf(':');
            headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
        }
        requests.push({
            title,
            name,
            expect: expected,
            method: requestLine[1] ?? '',
            url: requestLine[2] ?? '',
            headers,
            body: lines
                .slice(i + 1)
                .join('\n')
                .trim(),
        });
    }
    return { variables, requests };
}

/** `{{var}}` and REST Client's `{{name.response.headers.Header}}`. */
function substitute(
    text: string,
    variables: ReadonlyMap<string, string>,
    responses: ReadonlyMap<string, Response>,
): string {
    return text.replace(/\{\{([\w.-]+)\}\}/g, (whole, reference: string) => {
        const fromResponse = /^(\w+)\.response\.headers\.([\w-]+)$/.exec(reference);
        if (fromResponse !== null) {
            const value = responses.get(fromResponse[1] ?? '')?.headers.get(fromResponse[2] ?? '');
            if (value === undefined || value === null) throw new Error(`${whole}: no such earlier response header`);
            return value;
        }
        const value = variables.get(reference);
        if (value === undefined) throw new Error(`${whole}: undefined variable`);
        return value;
    });
}

// ---- fenced blocks of docs/EXAMPLES.md --------------------------------------------------------------------

interface DocBlock {
    readonly language: string;
    readonly code: string;
    /** The `# Expect:` line: a status for curl, the last output line for PowerShell; null for set-up blocks. */
    readonly expect: string | null;
}

function fencedBlocks(markdown: string, language: string): DocBlock[] {
    return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)]
        .filter((m) => m[1] === language)
        .map((m) => {
            const code = m[2] ?? '';
            const expected = /^# Expect: (.+)$/m.exec(code)?.[1]?.trim() ?? null;
            return { language, code, expect: expected };
        });
}

/** Runs a program to completion without blocking this process's event loop (the local host runs in it). */
function run(
    command: string,
    args: readonly string[],
    timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('error', reject);
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** The documented set-up block with the documented host replaced by the running one. */
function setUp(blocks: readonly DocBlock[], url: string): string {
    const setup = blocks.find((b) => b.expect === null);
    if (setup === undefined) throw new Error('no set-up block');
    expect(setup.code).toContain(DOCUMENTED_HOST);
    return setup.code.replaceAll(DOCUMENTED_HOST, url);
}

// ---- the tests --------------------------------------------------------------------------------------------

describe('examples run against the local host', () => {
    let local: TestLocalHost;
    let host: LocalHost;
    /** The PowerShell examples are written here to run. */
    const dataDir = mkdtempSync(join(tmpdir(), 'examples-'));

    beforeAll(async () => {
        local = await startTestLocalHost('examples', FAST);
        host = local.host;
    }, 60_000);

    afterAll(async () => {
        await local.stop();
        rmSync(dataDir, { recursive: true, force: true });
    });

    it('examples/requests.http: every request gets its documented status, and every input format is there', async () => {
        const { variables, requests } = parseHttpFile(read('examples/requests.http'));
        expect(variables.get('host')).toBe(DOCUMENTED_HOST);
        const vars = new Map(variables).set('host', host.url);
        const responses = new Map<string, Response>();
        const formats = new Set<string>();
        expect(requests.length).toBeGreaterThanOrEqual(10);
        for (const request of requests) {
            const headers = new Headers(
                request.headers.map(([n, v]): [string, string] => [n, substitute(v, vars, responses)]),
            );
            const response = await fetch(substitute(request.url, vars, responses), {
                method: request.method,
                headers,
                ...(request.body === '' ? {} : { body: substitute(request.body, vars, responses) }),
            });
            const text = await response.text();
            expect(response.status, `${request.title}\n${text}`).toBe(request.expect);
            if (request.name !== null) responses.set(request.name, response);
            if (response.status === 202 && request.method === 'POST') {
                formats.add(String((JSON.parse(text) as { format?: unknown }).format));
            }
            if (request.method === 'POST' && response.status === 200) {
                expect(JSON.parse(text), request.title).toEqual({
                    validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
                });
            }
            if (request.method === 'OPTIONS') {
                expect(response.headers.get('webhook-allowed-origin'), request.title).toBe('eventgrid.azure.net');
            }
        }
        expect([...formats].sort()).toEqual([
            'cloudEvents.batch',
            'cloudEvents.binary',
            'cloudEvents.structured',
            'eventGrid',
            'native',
        ]);
    }, 60_000);

    itWithTool(
        CURL,
        'docs/EXAMPLES.md: every curl block, run with bash as written, ends with its documented status',
        async () => {
            const blocks = fencedBlocks(read('docs/EXAMPLES.md'), 'sh');
            const setup = setUp(blocks, host.url);
            const examples = blocks.filter((b) => b.expect !== null);
            expect(examples.length).toBeGreaterThanOrEqual(9);
            for (const block of examples) {
                const { code, stdout, stderr } = await run('bash', ['-eu', '-c', `${setup}\n${block.code}`], 60_000);
                expect(code, `${block.code}\n${stderr}`).toBe(0);
                const statuses = [...stdout.matchAll(/^HTTP(?:\/[\d.]+)? (\d{3})/gm)].map((m) => m[1]);
                expect(statuses.at(-1), `${block.code}\n${stdout}`).toBe(block.expect);
            }
        },
        180_000,
    );

    itWithTool(
        PWSH,
        'docs/EXAMPLES.md: every PowerShell block, run with pwsh as written, prints its documented result',
        async () => {
            const blocks = fencedBlocks(read('docs/EXAMPLES.md'), 'powershell');
            const setup = setUp(blocks, host.url);
            const examples = blocks.filter((b) => b.expect !== null);
            expect(examples.length).toBeGreaterThanOrEqual(6);
            for (const block of examples) {
                const script = `$ErrorActionPreference = 'Stop'\n${setup}\n${block.code}`;
                const { code, stdout, stderr } = await run(
                    PWSH.path ?? 'pwsh',
                    ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script],
                    90_000,
                );
                expect(code, `${block.code}\n${stderr}`).toBe(0);
                const lines = stdout.split(/\r?\n/).filter((l) => l.trim() !== '');
                expect(lines.at(-1)?.trim(), `${block.code}\n${stdout}`).toBe(block.expect);
            }
        },
        300_000,
    );

    itWithTool(
        PWSH,
        'docs/EXAMPLES.md: the PowerShell blocks pass scripts/check-powershell.ps1 (Windows PowerShell 5.1 and style rules)',
        async () => {
            const blocks = fencedBlocks(read('docs/EXAMPLES.md'), 'powershell');
            // Each block as a script the way a person pastes it after the set-up block, with the Stop preference the
            // Script profile asks for (a snippet is not a script; the rule is about scripts).
            const files = blocks.map((block, i) => {
                const file = join(dataDir, `example-${i}.ps1`);
                writeFileSync(file, `$ErrorActionPreference = 'Stop'\n${blocks[0]?.code ?? ''}\n${block.code}`);
                return file;
            });
            const list = files.map((f) => `'${f}'`).join(',');
            const { code, stdout, stderr } = await run(
                PWSH.path ?? 'pwsh',
                [
                    '-NoLogo',
                    '-NoProfile',
                    '-NonInteractive',
                    '-Command',
                    `& '${join(root, 'scripts', 'check-powershell.ps1')}' -Script @(${list}) -Format Json`,
                ],
                120_000,
            );
            const report = JSON.parse(stdout) as { files: { path: string; findings: unknown[] }[] };
            expect(report.files).toHaveLength(blocks.length);
            expect(report.files.flatMap((f) => f.findings)).toEqual([]);
            expect(code, stderr).toBe(0);
        },
        180_000,
    );

    it('connector/sample-workflow.json: the body its HTTP action posts is accepted', async () => {
        const workflow = JSON.parse(read('connector/sample-workflow.json')) as {
            actions: Record<string, { type: string; inputs?: { uri?: string; body?: unknown } }>;
        };
        const action = Object.values(workflow.actions).find((a) => a.type === 'Http');
        const path = /\/api\/sync\/requests/.exec(action?.inputs?.uri ?? '')?.[0];
        expect(path).toBe('/api/sync/requests');
        // What the workflow engine sends once it has evaluated the trigger expression.
        const body = JSON.stringify(action?.inputs?.body).replace("@{triggerBody()?['upn']}", 'hr.joiner@contoso.com');
        expect(body).not.toContain('@{');
        const response = await fetch(`${host.url}${path ?? ''}?code=local`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
        });
        expect(response.status).toBe(202);
        // The API keeps `code` in Location, so the workflow's polls carry the key too.
        expect(response.headers.get('location')).toMatch(/\?code=local$/);
    });
});
