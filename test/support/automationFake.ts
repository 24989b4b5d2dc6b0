import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { playRunbooks, type TimelineJob, type TimelineLife } from '../../src/adapters/simulatedConnect/runbookTimeline';
import type { AutomationJobStatus } from '../../src/domain/jobObservation';
import { CYCLE_RESULT_SCHEMA, RUNBOOK_OUTCOMES } from '../../src/domain/runbookResult';
import type { SyncJobParameters } from '../../src/ports/automationJobs';
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
    /**
     * Time the cycle runs. The runbook's job is `Running` from pickup (plus `activatingMs`), but, as this project's
     * runbook does, it starts its cycle only once no cycle runs on its account's server (with `oneCyclePerAccount`)
     * and not before its `NotBefore` parameter; the job ends this long after its cycle started (plus `endLagMs`).
     */
    readonly runMs?: number;
    /**
     * Time the job runs on after its cycle ended: the runbook sees the end only at its next readings of the server,
     * then collects the run results. The server is free from the cycle's end; a job waiting behind may start then.
     */
    readonly endLagMs?: number;
    /** How the job ends; default `Completed`. */
    readonly end?: 'Completed' | 'Failed';
    /**
     * The job's output text once ended, e.g. the runbook's result line, or a function of the cycle the job ran (so
     * the line can report when its import started); default the line this project's runbook writes for the cycle
     * (src/adapters/simulatedConnect/runbookResult.ts).
     */
    readonly output?: string | ((cycle: FakeCycle) => string);
    /** `properties.exception` once ended (for `Failed`). */
    readonly exception?: string;
    /** Error/Warning/Verbose stream records (Output records are derived from `output`). */
    readonly streams?: readonly FakeStream[];
    /** The job never leaves this status (until stopped): a worker offline, a suspended job. */
    readonly stuck?: 'New' | 'Activating' | 'Running' | 'Suspended' | 'Blocked' | 'Disconnected';
    /** Time in `Stopping` after a stop request; default 0 (straight to `Stopped`). */
    readonly stopDelayMs?: number;
}

/** When a job's cycle ran on the Connect server (epoch ms, the fake's clock). */
export interface FakeCycle {
    readonly startedAt: number;
    readonly endedAt: number;
}

/** A job's life on the fake's clock, as known now. */
export interface FakeJobLife {
    /** When the runbook began (after pickup and activation); null when it never did (stuck `New`/`Activating`). */
    readonly runbookStartedAt: number | null;
    /** When its cycle held the Connect server; null when it never started one (stopped or stuck first). */
    readonly cycle: FakeCycle | null;
    /** When the job ended (completed, failed or stopped); Infinity while it has not (yet) ended. */
    readonly endedAt: number;
    /** A stop ends (or ended) it: it was requested before the job ended on its own. */
    readonly stopped: boolean;
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
 * Whether a text is an instant exactly as `Date.prototype.toISOString()` writes it (UTC, milliseconds, `Z`): the
 * only form the runbook's optional `NotBefore` parameter may take.
 * @param text - the decoded parameter value
 */
export function isIsoInstant(text: string): boolean {
    const ms = Date.parse(text);
    return (
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text) &&
        !Number.isNaN(ms) &&
        new Date(ms).toISOString() === text
    );
}

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

/**
 * The result line of a cycle that ran: the outcome with the cycle's start, end and import start, as the runbook
 * reports them (ISO 8601).
 * @param outcome - one of the runbook's outcomes
 * @param cycle - when the cycle ran
 * @param importDelayMs - how long after the cycle's start its first import run profile started
 */
export function cycleResultLine(
    outcome: (typeof RUNBOOK_OUTCOMES)[number],
    cycle: FakeCycle,
    importDelayMs = 0,
): string {
    return resultLine(outcome, {
        cycleStartedAt: new Date(cycle.startedAt).toISOString(),
        importStartedAt: new Date(cycle.startedAt + importDelayMs).toISOString(),
        cycleEndedAt: new Date(cycle.endedAt).toISOString(),
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
    /** Whether the jobs of an account share one Connect server (the runbook's wait); see {@link start}. */
    private oneCyclePerAccount = false;
    private readonly played = new Map<
        string,
        { readonly signature: string; readonly lives: ReadonlyMap<FakeJob, PlayedJob> }
    >();

    private constructor(
        private readonly server: Server,
        private readonly clock: Clock,
        /** e.g. `http://127.0.0.1:54321`; pass as the SDK's `baseUri`. */
        readonly baseUri: string,
    ) {}

    /**
     * Starts the fake on a free 127.0.0.1 port.
     * @param options - `clock` (default: system time), the `defaultScript` for jobs without their own, and
     *   `oneCyclePerAccount`: the jobs of one account share one Connect server, where this project's runbook waits
     *   for a running cycle and for its `NotBefore` (default: every job has a server of its own and runs its cycle on
     *   its own schedule, as the adapter tests that share one account expect)
     */
    static async start(
        options: { clock?: Clock; defaultScript?: FakeJobScript; oneCyclePerAccount?: boolean } = {},
    ): Promise<AutomationFake> {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve());
        });
        const { port } = server.address() as AddressInfo;
        const fake = new AutomationFake(server, options.clock ?? systemClock, `http://127.0.0.1:${port}`);
        if (options.defaultScript !== undefined) fake.defaultScript = options.defaultScript;
        fake.oneCyclePerAccount = options.oneCyclePerAccount ?? false;
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
                send(200, now.ended && now.status !== 'Stopped' ? this.outputOf(job) : '');
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

    /**
     * A job's life as known now: when its runbook began, when its cycle held the Connect server, when it ended.
     * @param job - a job of this fake
     */
    lifeOf(job: FakeJob): FakeJobLife {
        return this.playedOf(job).life;
    }

    private playedOf(job: FakeJob): PlayedJob {
        return this.livesOf(accountOf(job)).get(job) ?? never();
    }

    /**
     * The lives of every job of one Automation account (one Connect server), in the order they were created, from
     * the model of this project's runbook (src/adapters/simulatedConnect/runbook.ts, played by runbookTimeline.ts):
     * with `oneCyclePerAccount` the account's jobs share one server, and a job picked up while another's cycle runs
     * waits for it to end (no two cycles of one account overlap, by the runbook's own rule), and for its `NotBefore`;
     * without it every job has a server of its own. A stuck job never starts a cycle, so it holds no other job back;
     * a stop ends the job and the cycle it runs `stopDelayMs` after it was requested. Played again only when a job
     * was created or a stop requested since.
     */
    private livesOf(account: string): ReadonlyMap<FakeJob, PlayedJob> {
        const jobs = [...this.jobs.values()].filter((job) => accountOf(job) === account);
        const signature = jobs.map((j) => `${j.name}@${j.stopRequestedAt ?? ''}`).join('|');
        const cached = this.played.get(account);
        if (cached?.signature === signature) return cached.lives;
        const servers = this.oneCyclePerAccount ? [jobs] : jobs.map((job) => [job]);
        const lives = new Map<FakeJob, PlayedJob>();
        for (const server of servers) {
            const played = playRunbooks(server.map(timelineJobOf));
            server.forEach((job, i) => lives.set(job, playedJob(played[i] ?? never())));
        }
        this.played.set(account, { signature, lives });
        return lives;
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
        const life = this.lifeOf(job);
        const started = life.runbookStartedAt;
        const startedBy = (at: number): { startedAt?: number } =>
            started !== null && started <= at ? { startedAt: started } : {};
        if (job.stopRequestedAt !== null && life.stopped) {
            if (now < life.endedAt) return { status: 'Stopping', ...startedBy(job.stopRequestedAt), ended: false };
            return { status: 'Stopped', ...startedBy(job.stopRequestedAt), endedAt: life.endedAt, ended: true };
        }
        if (s.stuck !== undefined) return { status: s.stuck, ...startedBy(now), ended: false };
        const pickedUpAt = job.createdAt + (s.pickupDelayMs ?? 0);
        if (now < pickedUpAt) return { status: 'New', ended: false };
        if (started === null || now < started) return { status: 'Activating', ended: false };
        // Waiting for the server or running its cycle: the runbook is running either way.
        if (now < life.endedAt) return { status: 'Running', startedAt: started, ended: false };
        return { status: s.end ?? 'Completed', startedAt: started, endedAt: life.endedAt, ended: true };
    }

    /** The job's output text once it has ended (not stopped): its script's, else the runbook's own line. */
    private outputOf(job: FakeJob): string {
        const { life, output: line } = this.playedOf(job);
        const output = job.script.output;
        if (typeof output === 'string') return output;
        if (life.cycle === null) return resultLine('Succeeded');
        return output === undefined ? (line ?? resultLine('Succeeded')) : output(life.cycle);
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
                : this.outputOf(job)
                      .split(/\r?\n/)
                      .filter((l) => l !== '');
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

/** A job's life as played, and the line its runbook wrote (null when it wrote none). */
interface PlayedJob {
    readonly life: FakeJobLife;
    readonly output: string | null;
}

function playedJob(life: TimelineLife): PlayedJob {
    const { runbookStartedAt, cycle, endedAt, stopped } = life;
    return { life: { runbookStartedAt, cycle, endedAt, stopped }, output: life.end?.output ?? null };
}

/** What the played runbook needs of a job: its decoded parameters and its script's times. */
function timelineJobOf(job: FakeJob): TimelineJob {
    const s = job.script;
    const neverStarts = s.stuck === 'New' || s.stuck === 'Activating';
    const requested = job.stopRequestedAt;
    return {
        jobName: job.name,
        parameters: decodedParameters(job.parameters),
        createdAt: job.createdAt,
        beginsAt: neverStarts ? null : job.createdAt + (s.pickupDelayMs ?? 0) + (s.activatingMs ?? 0),
        // A hung runbook or a suspended job never starts a cycle; it lasts until it is stopped.
        hangs: s.stuck !== undefined,
        cycleMs: s.runMs ?? 0,
        resultCollectionMs: s.endLagMs ?? 0,
        stop: requested === null ? null : { requestedAt: requested, endsAt: requested + (s.stopDelayMs ?? 0) },
    };
}

/** The parameters as the runbook receives them: each value JSON-decoded, as the service does. */
function decodedParameters(raw: Readonly<Record<string, string>>): SyncJobParameters {
    const text = (name: string): string | undefined => {
        const value = raw[name] === undefined ? undefined : safeJson(raw[name]);
        return typeof value === 'string' ? value : undefined;
    };
    const timeout = raw.TimeoutSeconds === undefined ? undefined : safeJson(raw.TimeoutSeconds);
    const notBefore = text('NotBefore');
    return {
        PolicyType: text('PolicyType') === 'Initial' ? 'Initial' : 'Delta',
        TimeoutSeconds: typeof timeout === 'number' ? timeout : 3600,
        CorrelationId: text('CorrelationId') ?? '',
        ...(notBefore === undefined ? {} : { NotBefore: notBefore }),
    };
}

/** The Automation account a job belongs to (its path up to `/jobs/`), lower case. */
function accountOf(job: FakeJob): string {
    return job.path.slice(0, job.path.toLowerCase().lastIndexOf('/jobs/')).toLowerCase();
}

function never(): never {
    throw new Error('unreachable');
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
