import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AutomationJobStatus } from '../../src/domain/jobObservation';
import { CYCLE_RESULT_SCHEMA, RUNBOOK_OUTCOMES } from '../../src/domain/runbookResult';
import { type Clock, systemClock } from '../../src/ports/clock';

/**
 * A loopback fake of the Azure Automation jobs REST API, as `@azure/arm-automation` 10.1.1 calls it
 * (api-version 2017-05-15-preview). Drive it with the real SDK client (`baseUri` = `fake.baseUri`).
 *
 * Wire contract (paths under `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Automation/automationAccounts/{aa}`):
 * - `PUT  /jobs/{job}`          → 201 + Job JSON (shape of the official example); 409 `{code:'Conflict'}` when the name exists
 * - `GET  /jobs/{job}`          → 200 Job JSON; 404 `{code:'NotFound'}`
 * - `GET  /jobs/{job}/output`   → 200 `text/plain` (the script's output once the job has ended, empty before)
 * - `GET  /jobs/{job}/streams[?$filter=properties/streamType eq 'Error']` → 200 `{value:[{id,properties:{…}}]}`
 * - `GET  /jobs/{job}/streams/{id}` → 200 one stream with `streamText`
 * - `POST /jobs/{job}/stop`     → 200; 400 `{code:'BadRequest'}` when the job has already ended
 * - no `Authorization: Bearer` → 401, wrong api-version → 400 (ARM's `{error:{code,message}}` body)
 *
 * Behaviour per job comes from a {@link FakeJobScript} (default: a Hybrid Worker picks the job up at once and the
 * runbook reports `Succeeded`). Time is the injected {@link Clock}: advance a ManualClock instead of sleeping.
 * Faults ({@link FakeFault}: 429 + Retry-After, 5xx, connection reset, no answer) are queued with {@link AutomationFake.fail}
 * and served before normal handling. Every request is recorded in {@link AutomationFake.requests}.
 *
 * @example
 * const clock = new ManualClock();
 * const fake = await AutomationFake.start({ clock });
 * fake.script('6f1c…', { pickupDelayMs: 30_000, runMs: 60_000, output: resultLine('CompletedWithExportErrors') });
 * fake.fail({ op: 'create', times: 2, fault: { status: 429, retryAfter: '5' } });
 * // … real SDK calls against fake.baseUri …
 * await fake.close();
 */

/** How one job behaves. All durations are measured on the fake's clock from the job's creation. */
export interface FakeJobScript {
    /** Time the job stays `New` before a Hybrid Worker picks it up (worker polls every 30 s in real life). */
    readonly pickupDelayMs?: number;
    /** Time in `Activating` after pickup. */
    readonly activatingMs?: number;
    /** Time in `Running`. */
    readonly runMs?: number;
    /** How the job ends; default `Completed`. */
    readonly end?: 'Completed' | 'Failed';
    /** The job's output text once ended, e.g. the runbook's result line; default a `Succeeded` result line. */
    readonly output?: string;
    /** `properties.exception` once ended (for `Failed`). */
    readonly exception?: string;
    /** Error/Warning/Verbose stream records (Output records are derived from `output`). */
    readonly streams?: readonly FakeStream[];
    /** The job never leaves this status (until stopped): a worker offline, a suspended job. */
    readonly stuck?: 'New' | 'Activating' | 'Running' | 'Suspended' | 'Blocked' | 'Disconnected';
    /** Time in `Stopping` after a stop request; default 0 (straight to `Stopped`). */
    readonly stopDelayMs?: number;
}

interface FakeStream {
    readonly type: 'Error' | 'Warning' | 'Verbose';
    readonly summary: string | null;
    readonly text?: string;
}

/** A response served instead of the real one. */
export type FakeFault =
    | {
          readonly status: number;
          readonly code?: string;
          readonly message?: string;
          /** `Retry-After` header value: seconds or an HTTP date. */
          readonly retryAfter?: string;
      }
    | { readonly reset: true }
    /**
     * Never answers (until the fake closes): the client's request timeout must fire. With `dropAfterMs`, the fake
     * gives up on the held request itself and closes the connection after that long, so the outcome (a failed
     * request) does not depend on whether a real-time client timeout fires first.
     */
    | { readonly hang: true; readonly dropAfterMs?: number };

export type FakeOperation = 'create' | 'get' | 'output' | 'streams' | 'stream' | 'stop';

export interface FaultRule {
    /** Which operation it hits; any when omitted. */
    readonly op?: FakeOperation;
    /** How many matching requests get the fault. */
    readonly times: number;
    readonly fault: FakeFault;
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly op: FakeOperation | 'unknown';
    readonly jobName?: string;
    readonly query: Readonly<Record<string, string>>;
    readonly authorization?: string;
    readonly clientRequestId?: string;
    readonly contentType?: string;
    /** Parsed JSON body, when there was one. */
    readonly body?: unknown;
    /** What the fake answered (0 for a reset connection). */
    status: number;
    readonly at: number;
}

/** A job as the fake holds it. */
export interface FakeJob {
    readonly name: string;
    readonly jobId: string;
    readonly path: string;
    readonly createdAt: number;
    readonly runbook: string;
    readonly runOn: string;
    /** Parameter values exactly as sent (JSON-encoded strings). */
    readonly parameters: Readonly<Record<string, string>>;
    readonly script: FakeJobScript;
    stopRequestedAt: number | null;
}

export const FAKE_API_VERSION = '2017-05-15-preview';

/**
 * A result line as the runbook writes it (schema {@link CYCLE_RESULT_SCHEMA}).
 * @param outcome - one of the runbook's outcomes
 * @param extra - fields to add or override
 */
export function resultLine(outcome: (typeof RUNBOOK_OUTCOMES)[number], extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
        schema: CYCLE_RESULT_SCHEMA,
        outcome,
        reason: `Fake runbook: ${outcome}`,
        cycleStartedAt: null,
        cycleEndedAt: null,
        exportErrors: outcome === 'CompletedWithExportErrors' ? 1 : 0,
        connectors: [],
        ...extra,
    });
}

const JOB_PATH =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Automation\/automationAccounts\/([^/]+)\/jobs\/([^/]+)(\/output|\/stop|\/streams(?:\/([^/]+))?)?$/i;

export class AutomationFake {
    /** Every request, in arrival order. */
    readonly requests: RecordedRequest[] = [];
    private readonly jobs = new Map<string, FakeJob>();
    private readonly scripts = new Map<string, FakeJobScript>();
    private readonly faults: { op?: FakeOperation; remaining: number; fault: FakeFault }[] = [];
    private defaultScript: FakeJobScript = {};

    private constructor(
        private readonly server: Server,
        private readonly clock: Clock,
        /** e.g. `http://127.0.0.1:54321`; pass as the SDK's `baseUri`. */
        readonly baseUri: string,
    ) {}

    /**
     * Starts the fake on a free 127.0.0.1 port.
     * @param options - `clock` (default: system time) and the `defaultScript` for jobs without their own
     */
    static async start(options: { clock?: Clock; defaultScript?: FakeJobScript } = {}): Promise<AutomationFake> {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve());
        });
        const { port } = server.address() as AddressInfo;
        const fake = new AutomationFake(server, options.clock ?? systemClock, `http://127.0.0.1:${port}`);
        if (options.defaultScript !== undefined) fake.defaultScript = options.defaultScript;
        server.on('request', (req, res) => {
            fake.handle(req, res).catch((error: unknown) => {
                res.statusCode = 500;
                res.end(JSON.stringify({ code: 'FakeError', message: String(error) }));
            });
        });
        return fake;
    }

    /** Behaviour of the job with this name, when it gets created. */
    script(jobName: string, script: FakeJobScript): void {
        this.scripts.set(jobName.toLowerCase(), script);
    }

    /** Behaviour of jobs without a script of their own. */
    setDefaultScript(script: FakeJobScript): void {
        this.defaultScript = script;
    }

    /** Queues a fault for the next `times` matching requests. */
    fail(rule: FaultRule): void {
        this.faults.push({
            ...(rule.op === undefined ? {} : { op: rule.op }),
            remaining: rule.times,
            fault: rule.fault,
        });
    }

    /** Drops queued faults that were not served (call between tests). */
    clearFaults(): void {
        this.faults.length = 0;
    }

    /** The job with this name (any account), if created. */
    job(jobName: string): FakeJob | undefined {
        return [...this.jobs.values()].find((j) => j.name.toLowerCase() === jobName.toLowerCase());
    }

    /** The job's status now, on the fake's clock. */
    statusOf(job: FakeJob): AutomationJobStatus {
        return this.timeline(job).status;
    }

    /** Requests for one operation, optionally for one job. */
    requestsFor(op: FakeOperation, jobName?: string): RecordedRequest[] {
        return this.requests.filter((r) => r.op === op && (jobName === undefined || r.jobName === jobName));
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? '/', this.baseUri);
        const text = await readBody(req);
        const match = JOB_PATH.exec(url.pathname);
        const op = match === null ? 'unknown' : operationOf(req.method ?? 'GET', match[5], match[6]);
        const record: RecordedRequest = {
            method: req.method ?? 'GET',
            path: url.pathname,
            op,
            ...(match?.[4] === undefined ? {} : { jobName: decodeURIComponent(match[4]) }),
            query: Object.fromEntries(url.searchParams),
            ...header(req, 'authorization', 'authorization'),
            ...header(req, 'x-ms-client-request-id', 'clientRequestId'),
            ...header(req, 'content-type', 'contentType'),
            ...(text === '' ? {} : { body: safeJson(text) }),
            status: 0,
            at: this.clock.now(),
        };
        this.requests.push(record);
        const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
            record.status = status;
            const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
            res.writeHead(status, {
                'content-type':
                    typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
                'x-ms-request-id': randomUUID(),
                ...headers,
            });
            res.end(payload);
        };

        const fault = this.takeFault(op);
        if (fault !== undefined) {
            if ('reset' in fault) {
                req.socket.destroy();
                return;
            }
            if ('hang' in fault) {
                if (fault.dropAfterMs !== undefined) {
                    setTimeout(() => req.socket.destroy(), fault.dropAfterMs).unref();
                }
                return;
            }
            const code = fault.code ?? (fault.status === 429 ? 'TooManyRequests' : 'InternalServerError');
            const message = fault.message ?? `Fake ${fault.status} from Automation`;
            // ARM's front door throttles with the wrapped shape; the Automation service answers with the flat one.
            const body = fault.status === 429 ? { error: { code, message } } : { code, message };
            send(fault.status, body, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
            return;
        }
        if (!(req.headers.authorization ?? '').startsWith('Bearer ')) {
            const message = 'Authentication failed. The Authorization header is missing.';
            send(401, { error: { code: 'AuthenticationFailed', message } });
            return;
        }
        if (match === null || op === 'unknown') {
            send(404, {
                error: { code: 'InvalidResourceType', message: `No route for ${req.method} ${url.pathname}` },
            });
            return;
        }
        if (url.searchParams.get('api-version') !== FAKE_API_VERSION) {
            const message = `The api-version '${url.searchParams.get('api-version') ?? ''}' is invalid.`;
            send(400, { error: { code: 'InvalidApiVersionParameter', message } });
            return;
        }
        const [, subscription, group, account, rawName, , streamId] = match;
        const jobName = decodeURIComponent(rawName ?? '');
        const path = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Automation/automationAccounts/${account}/jobs/${jobName}`;
        const key = path.toLowerCase();
        const job = this.jobs.get(key);

        if (op === 'create') {
            if (job !== undefined) {
                send(409, { code: 'Conflict', message: `Job with specified id already exists. Job id: ${job.jobId}` });
                return;
            }
            const created = this.create(key, path, jobName, record.body);
            if (typeof created === 'string') {
                send(400, { code: 'BadRequest', message: created });
                return;
            }
            send(201, this.jobJson(created));
            return;
        }
        if (job === undefined) {
            send(404, { code: 'NotFound', message: `The job '${jobName}' was not found.` });
            return;
        }
        const now = this.timeline(job);
        switch (op) {
            case 'get':
                send(200, this.jobJson(job));
                return;
            case 'output':
                send(200, now.ended && now.status !== 'Stopped' ? (job.script.output ?? resultLine('Succeeded')) : '');
                return;
            case 'streams': {
                const filter = /properties\/streamType eq '(\w+)'/i.exec(url.searchParams.get('$filter') ?? '')?.[1];
                const value = this.streamsOf(job)
                    .filter((s) => filter === undefined || s.type.toLowerCase() === filter.toLowerCase())
                    .map((s) => ({
                        id: `${path}/streams/${s.id}`,
                        properties: { jobStreamId: s.id, summary: s.summary, time: s.time, streamType: s.type },
                    }));
                send(200, { value });
                return;
            }
            case 'stream': {
                const found = this.streamsOf(job).find((s) => s.id === streamId);
                if (found === undefined) {
                    send(404, { code: 'NotFound', message: 'The job stream was not found.' });
                    return;
                }
                send(200, {
                    id: `${path}/streams/${found.id}`,
                    properties: {
                        jobStreamId: found.id,
                        summary: found.summary,
                        time: found.time,
                        streamType: found.type,
                        streamText: found.text,
                        value: {},
                    },
                });
                return;
            }
            case 'stop':
                if (now.ended) {
                    send(400, {
                        code: 'BadRequest',
                        message: `Job '${jobName}' cannot be stopped because it is in state ${now.status}.`,
                    });
                    return;
                }
                job.stopRequestedAt ??= this.clock.now();
                send(200);
                return;
        }
    }

    private takeFault(op: FakeOperation | 'unknown'): FakeFault | undefined {
        const rule = this.faults.find((f) => f.remaining > 0 && (f.op === undefined || f.op === op));
        if (rule === undefined) return undefined;
        rule.remaining--;
        return rule.fault;
    }

    private create(key: string, path: string, name: string, body: unknown): FakeJob | string {
        const properties = objectAt(body, 'properties');
        const runbook = objectAt(properties, 'runbook');
        const runbookName = runbook?.name;
        if (typeof runbookName !== 'string' || runbookName === '') return 'properties.runbook.name is required';
        const parameters: Record<string, string> = {};
        for (const [k, v] of Object.entries(objectAt(properties, 'parameters') ?? {})) {
            if (typeof v !== 'string') return `Parameter '${k}' must be a string`;
            parameters[k] = v;
        }
        const runOn = properties?.runOn;
        const job: FakeJob = {
            name,
            jobId: randomUUID(),
            path,
            createdAt: this.clock.now(),
            runbook: runbookName,
            runOn: typeof runOn === 'string' ? runOn : '',
            parameters,
            script: this.scripts.get(name.toLowerCase()) ?? this.defaultScript,
            stopRequestedAt: null,
        };
        this.jobs.set(key, job);
        return job;
    }

    /** Where the job is now: its status, and when it started and ended (epoch ms). */
    private timeline(job: FakeJob): {
        status: AutomationJobStatus;
        startedAt?: number;
        endedAt?: number;
        ended: boolean;
    } {
        const s = job.script;
        const now = this.clock.now();
        const pickedUpAt = job.createdAt + (s.pickupDelayMs ?? 0);
        const runningAt = pickedUpAt + (s.activatingMs ?? 0);
        const endsAt = runningAt + (s.runMs ?? 0);
        const stuck = s.stuck;
        const neverStarts = stuck === 'New' || stuck === 'Activating';
        const startedBy = (at: number): { startedAt?: number } =>
            !neverStarts && runningAt <= at ? { startedAt: runningAt } : {};
        if (job.stopRequestedAt !== null && (stuck !== undefined || job.stopRequestedAt < endsAt)) {
            const stoppedAt = job.stopRequestedAt + (s.stopDelayMs ?? 0);
            if (now < stoppedAt) return { status: 'Stopping', ...startedBy(job.stopRequestedAt), ended: false };
            return { status: 'Stopped', ...startedBy(job.stopRequestedAt), endedAt: stoppedAt, ended: true };
        }
        if (stuck !== undefined) return { status: stuck, ...startedBy(now), ended: false };
        if (now < pickedUpAt) return { status: 'New', ended: false };
        if (now < runningAt) return { status: 'Activating', ended: false };
        if (now < endsAt) return { status: 'Running', startedAt: runningAt, ended: false };
        return { status: s.end ?? 'Completed', startedAt: runningAt, endedAt: endsAt, ended: true };
    }

    private jobJson(job: FakeJob): unknown {
        const t = this.timeline(job);
        const iso = (ms: number | undefined): string | null => (ms === undefined ? null : isoTime(ms));
        const failed = t.status === 'Failed';
        return {
            id: job.path,
            name: job.name,
            type: 'Microsoft.Automation/AutomationAccounts/Jobs',
            properties: {
                jobId: job.jobId,
                runbook: { name: job.runbook },
                provisioningState: t.ended ? (failed ? 'Failed' : 'Succeeded') : 'Processing',
                creationTime: isoTime(job.createdAt),
                endTime: iso(t.endedAt),
                exception: t.ended ? (job.script.exception ?? null) : null,
                lastModifiedTime: isoTime(this.clock.now()),
                lastStatusModifiedTime: isoTime(this.clock.now()),
                startedBy: 'fake-managed-identity',
                startTime: iso(t.startedAt),
                status: t.status,
                statusDetails: t.status === 'Suspended' ? 'Fake suspension' : 'None',
                parameters: job.parameters,
                runOn: job.runOn,
            },
        };
    }

    private streamsOf(
        job: FakeJob,
    ): { id: string; type: string; summary: string | null; text: string; time: string }[] {
        const t = this.timeline(job);
        if (!t.ended) return [];
        const outputLines =
            t.status === 'Stopped'
                ? []
                : (job.script.output ?? resultLine('Succeeded')).split(/\r?\n/).filter((l) => l !== '');
        const records = [
            ...outputLines.map((line) => ({ type: 'Output', summary: line.slice(0, 100), text: line })),
            ...(job.script.streams ?? []).map((s) => ({
                type: s.type,
                summary: s.summary,
                text: s.text ?? s.summary ?? '',
            })),
        ];
        const time = isoTime(t.endedAt ?? this.clock.now());
        return records.map((r, i) => ({ ...r, id: `${job.jobId}_${String(i + 1).padStart(20, '0')}`, time }));
    }
}

function operationOf(
    method: string,
    suffix: string | undefined,
    streamId: string | undefined,
): FakeOperation | 'unknown' {
    const m = method.toUpperCase();
    if (suffix === undefined) return m === 'PUT' ? 'create' : m === 'GET' ? 'get' : 'unknown';
    if (suffix.toLowerCase() === '/output' && m === 'GET') return 'output';
    if (suffix.toLowerCase() === '/stop' && m === 'POST') return 'stop';
    if (suffix.toLowerCase().startsWith('/streams') && m === 'GET')
        return streamId === undefined ? 'streams' : 'stream';
    return 'unknown';
}

function header<K extends string>(req: IncomingMessage, name: string, key: K): Partial<Record<K, string>> {
    const value = req.headers[name];
    return typeof value === 'string' ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const found: unknown = Reflect.get(value, key);
    if (typeof found !== 'object' || found === null || Array.isArray(found)) return undefined;
    return Object.fromEntries(Object.entries(found));
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}

async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
}

/** The service writes offsets as `+00:00`, like the official examples. */
function isoTime(ms: number): string {
    return new Date(ms).toISOString().replace('Z', '+00:00');
}
