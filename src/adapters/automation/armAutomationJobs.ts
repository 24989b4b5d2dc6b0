import type { AutomationClient, AutomationModels } from '@azure/arm-automation';

import type { CycleReport } from '../../domain/cycleOutcome';
import type { AutomationJobStatus, JobObservation } from '../../domain/jobObservation';
import { parseRunbookOutput } from '../../domain/runbookResult';
import {
    ensureError,
    isPermanentDependencyError,
    isTransientDependencyError,
    PermanentDependencyError,
    TransientDependencyError,
} from '../../errors';
import type { AutomationJobs, AutomationTarget, CreateJobOptions, SyncJobParameters } from '../../ports/automationJobs';
import type { Clock } from '../../ports/clock';
import type { Telemetry } from '../../ports/telemetry';
import { type AbortSignalLike, toAbortSignalLike } from './abortSignalLike';
import type { CallFailure } from './callFailure';
import { classifyJobStatus } from './jobStatus';
import {
    type AutomationOperation,
    describeCallFailure,
    jobNameTaken,
    type ReaderFailure,
    withoutAzureIdentifiers,
} from './readerReason';
import { readTail } from './readTail';
import { type RetryPolicy, type Sleep, withRetry } from './retry';

export interface ArmAutomationJobsDeps {
    /** One client per subscription; built by the factory around one credential. */
    readonly clientFor: (subscriptionId: string) => AutomationClient;
    readonly telemetry: Telemetry;
    readonly clock: Clock;
    readonly sleep: Sleep;
    readonly retry: RetryPolicy;
    /** Per HTTP request; a request that takes longer is aborted and counts as a transient failure. */
    readonly requestTimeoutMs: number;
    /** Host of the ARM endpoint, for dependency records. */
    readonly endpointHost: string;
}

/** Job output is at most 1 MiB (service limit); the result line is the last line, so the tail is enough. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
const MAX_STREAM_SUMMARIES = { Error: 5, Warning: 3 } as const;
const MAX_SUMMARY_CHARS = 300;
const MAX_DETAIL_CHARS = 600;

type Job = AutomationModels.Job;
type StreamType = keyof typeof MAX_STREAM_SUMMARIES;

/** Result of one HTTP call as ms-rest-js returns it: always carries the raw response. */
interface WithResponse {
    readonly _response: { readonly status: number };
}

/**
 * The automation-jobs port on `@azure/arm-automation` 10.1.1 (api-version 2017-05-15-preview). The SDK's own
 * retry policy is off; this class retries 429/5xx/network failures within a budget, honouring `Retry-After`,
 * and records one dependency call per HTTP request.
 */
export class ArmAutomationJobs implements AutomationJobs {
    constructor(private readonly deps: ArmAutomationJobsDeps) {}

    async createJob(
        target: AutomationTarget,
        jobName: string,
        parameters: SyncJobParameters,
        options: CreateJobOptions = {},
    ): Promise<JobObservation> {
        const client = this.deps.clientFor(target.subscriptionId);
        const body: AutomationModels.JobCreateParameters = {
            runbook: { name: target.runbook },
            parameters: encodeParameters(parameters),
            runOn: target.hybridWorkerGroup,
        };
        let created: Job;
        try {
            created = await this.call(target, 'job.create', `create job ${jobName}`, options, parameters, (o) =>
                client.job.create(target.resourceGroup, target.automationAccount, jobName, body, o),
            );
        } catch (error) {
            // A retried create of the same deterministic name: the job already exists, so it has been started.
            if (!isPermanentDependencyError(error) || error.statusCode !== 409) throw error;
            const existing = await this.readJob(target, jobName, options);
            if (existing.runbook?.name !== undefined && existing.runbook.name !== target.runbook) {
                const reader = jobNameTaken();
                this.reportFailure(target, 'job.create', jobName, parameters, reader, {
                    statusCode: 409,
                    detail: `Automation: job ${jobName} exists but runs runbook "${existing.runbook.name}", not "${target.runbook}"`,
                });
                throw new PermanentDependencyError(reader.text, 409, { cause: error });
            }
            return this.observe(target, jobName, existing, options);
        }
        return this.observe(target, jobName, created, options);
    }

    async getJob(target: AutomationTarget, jobName: string, options: CreateJobOptions = {}): Promise<JobObservation> {
        let job: Job;
        try {
            job = await this.readJob(target, jobName, options);
        } catch (error) {
            // The job is gone (deleted, or the account restored or recreated): an answer, not a failure to read.
            if (isNotFound(error)) return { kind: 'notFound' };
            throw error;
        }
        return this.observe(target, jobName, job, options);
    }

    async stopJob(target: AutomationTarget, jobName: string, options: CreateJobOptions = {}): Promise<void> {
        const client = this.deps.clientFor(target.subscriptionId);
        try {
            await this.call(target, 'job.stop', `stop job ${jobName}`, options, undefined, (o) =>
                client.job.stop(target.resourceGroup, target.automationAccount, jobName, o),
            );
        } catch (error) {
            // A job that no longer exists cannot run: the outcome a stop wants.
            if (isNotFound(error)) return;
            // Stopping a job that has just ended is refused; that is the outcome we wanted, so not an error.
            if (!isPermanentDependencyError(error) || (error.statusCode !== 400 && error.statusCode !== 409)) {
                throw error;
            }
            const job = await this.readJob(target, jobName, options);
            if (classifyJobStatus(job.status).kind !== 'terminal') throw error;
        }
    }

    private async readJob(target: AutomationTarget, jobName: string, options: CreateJobOptions): Promise<Job> {
        const client = this.deps.clientFor(target.subscriptionId);
        return this.call(target, 'job.get', `read job ${jobName}`, options, undefined, (o) =>
            client.job.get(target.resourceGroup, target.automationAccount, jobName, o),
        );
    }

    private async observe(
        target: AutomationTarget,
        jobName: string,
        job: Job,
        options: CreateJobOptions,
    ): Promise<JobObservation> {
        const status = classifyJobStatus(job.status);
        const startedAt = job.startTime?.getTime();
        const endedAt = job.endTime?.getTime();
        switch (status.kind) {
            case 'queued':
                return { kind: 'queued', status: status.status };
            case 'running':
                return { kind: 'running', status: status.status, ...(startedAt === undefined ? {} : { startedAt }) };
            case 'attention': {
                const detail =
                    status.unrecognised === undefined
                        ? firstText(job.statusDetails, job.exception)
                        : `Unrecognised job status "${status.unrecognised}"`;
                return {
                    kind: 'attention',
                    status: status.status,
                    ...(detail === undefined ? {} : { detail: bounded(detail, MAX_DETAIL_CHARS) }),
                };
            }
            case 'terminal':
                return {
                    kind: 'finished',
                    status: status.status,
                    report: await this.reportOf(target, jobName, job, status.status, options),
                    ...(startedAt === undefined ? {} : { startedAt }),
                    ...(endedAt === undefined ? {} : { endedAt }),
                };
        }
    }

    private async reportOf(
        target: AutomationTarget,
        jobName: string,
        job: Job,
        status: AutomationJobStatus,
        options: CreateJobOptions,
    ): Promise<CycleReport> {
        if (status === 'Stopped') {
            const details = firstText(job.statusDetails === 'None' ? undefined : job.statusDetails);
            return {
                outcome: 'Stopped',
                exportErrors: 0,
                reason: this.readerText(target, jobName, `The job was stopped${details ? `: ${details}` : ''}`),
            };
        }
        const parsed = parseRunbookOutput(await this.readOutput(target, jobName, options));
        if (status === 'Completed' && parsed.ok) return parsed.report;
        // Failed, or Completed without a usable result line: say why, from the job and its error streams.
        const errors = await this.streamSummaries(target, jobName, 'Error', options);
        const warnings = parsed.ok ? [] : await this.streamSummaries(target, jobName, 'Warning', options);
        const why =
            status === 'Completed'
                ? `The job completed but ${lowerFirst(parsed.ok ? '' : parsed.reason)}`
                : `The runbook job failed${job.exception ? `: ${oneLine(job.exception)}` : ''}`;
        const reason = [why, listed('errors', errors), listed('warnings', warnings)].filter(Boolean).join('; ');
        const kept = parsed.ok ? parsed.report : { exportErrors: 0 };
        return {
            ...kept,
            outcome: 'Failed',
            reason: bounded(this.readerText(target, jobName, reason), MAX_DETAIL_CHARS),
        };
    }

    private async readOutput(target: AutomationTarget, jobName: string, options: CreateJobOptions): Promise<string> {
        const client = this.deps.clientFor(target.subscriptionId);
        // The stream is read inside the attempt so that a connection dropped mid-body is retried as a whole.
        return this.call(target, 'job.getOutput', `read output of job ${jobName}`, options, undefined, async (o) => {
            const response = await client.job.getOutput(target.resourceGroup, target.automationAccount, jobName, o);
            const body = response.readableStreamBody;
            const text = body === undefined ? '' : await readTail(body, MAX_OUTPUT_BYTES);
            return { text, _response: response._response };
        }).then((output) => output.text);
    }

    private async streamSummaries(
        target: AutomationTarget,
        jobName: string,
        streamType: StreamType,
        options: CreateJobOptions,
    ): Promise<string[]> {
        const client = this.deps.clientFor(target.subscriptionId);
        const list = await this.call(
            target,
            'jobStream.listByJob',
            `list ${streamType} streams of job ${jobName}`,
            options,
            undefined,
            (o) =>
                client.jobStream.listByJob(target.resourceGroup, target.automationAccount, jobName, {
                    ...o,
                    filter: `properties/streamType eq '${streamType}'`,
                }),
        );
        // One page is enough: only the first few summaries go into the reason.
        return list
            .map((s: AutomationModels.JobStream) => firstText(s.summary, s.streamText))
            .filter((s): s is string => s !== undefined)
            .slice(0, MAX_STREAM_SUMMARIES[streamType])
            .map((s) => bounded(oneLine(s), MAX_SUMMARY_CHARS));
    }

    /** One logical call: retried per policy, one dependency record per HTTP attempt. */
    private async call<T extends WithResponse>(
        target: AutomationTarget,
        operation: AutomationOperation,
        what: string,
        options: CreateJobOptions,
        parameters: SyncJobParameters | undefined,
        send: (requestOptions: { abortSignal: AbortSignalLike }) => Promise<T>,
    ): Promise<T> {
        const { clock, telemetry } = this.deps;
        const record = (startedAt: number, success: boolean, resultCode: string): void =>
            telemetry.trackDependency({
                name: `Automation ${operation}`,
                target: `${this.deps.endpointHost}/${target.automationAccount}`,
                targetId: target.targetId,
                ...(parameters === undefined ? {} : { correlationId: parameters.CorrelationId }),
                durationMs: Math.max(0, clock.now() - startedAt),
                success,
                resultCode,
            });
        let attemptStartedAt = clock.now();
        let lastFailure: CallFailure | undefined;
        const onFailure = (failure: CallFailure): void => {
            lastFailure = failure;
            record(
                attemptStartedAt,
                false,
                failure.statusCode === undefined ? failure.code : String(failure.statusCode),
            );
        };
        return withRetry(
            what,
            async () => {
                attemptStartedAt = clock.now();
                const abortSignal = toAbortSignalLike(this.requestSignal(options.abortSignal));
                const result = await send({ abortSignal });
                record(attemptStartedAt, true, String(result._response.status));
                return result;
            },
            {
                clock,
                sleep: this.deps.sleep,
                policy: this.deps.retry,
                onFailure,
                ...(options.abortSignal === undefined ? {} : { signal: options.abortSignal }),
            },
        ).catch((error: unknown) => {
            throw this.forReaders(target, operation, jobNameOf(what), parameters, error, lastFailure, options);
        });
    }

    /**
     * The error a failed call ends with, as readers may see it: the same class and status, its message a stable
     * code and a short sentence (the coordinator copies it into the run's reason). ARM's own text, which names the
     * subscription, resource group, account and the identity's object id, goes to telemetry, and stays the
     * `cause`.
     */
    private forReaders(
        target: AutomationTarget,
        operation: AutomationOperation,
        jobName: string,
        parameters: SyncJobParameters | undefined,
        error: unknown,
        failure: CallFailure | undefined,
        options: CreateJobOptions,
    ): Error {
        if (!isPermanentDependencyError(error) && !isTransientDependencyError(error)) return ensureError(error);
        const reader = describeCallFailure(operation, failure, options.abortSignal?.aborted === true);
        this.reportFailure(target, operation, jobName, parameters, reader, {
            ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
            detail: unabridged(error),
        });
        return isPermanentDependencyError(error)
            ? new PermanentDependencyError(reader.text, error.statusCode, { cause: error })
            : new TransientDependencyError(reader.text, error.statusCode, { cause: error });
    }

    /** Sends a failure's full text to telemetry, in the window's operation when the call carries its id. */
    private reportFailure(
        target: AutomationTarget,
        operation: AutomationOperation,
        jobName: string,
        parameters: SyncJobParameters | undefined,
        reader: ReaderFailure,
        failure: { readonly statusCode?: number; readonly detail: string },
    ): void {
        this.deps.telemetry.trackDependencyFailure({
            name: `Automation ${operation}`,
            targetId: target.targetId,
            ...(parameters === undefined ? {} : { correlationId: parameters.CorrelationId }),
            jobName,
            code: reader.code,
            ...failure,
        });
    }

    /**
     * What Automation says about a finished job (its exception, status details, error streams), without Azure
     * identifiers for readers; the full text goes to telemetry when anything was removed.
     */
    private readerText(target: AutomationTarget, jobName: string, text: string): string {
        const shown = withoutAzureIdentifiers(text, target);
        if (shown !== text) {
            this.deps.telemetry.trackDependencyFailure({
                name: 'Automation job result',
                targetId: target.targetId,
                jobName,
                code: 'AUTOMATION_JOB_REPORT',
                detail: text,
            });
        }
        return shown;
    }

    private requestSignal(caller: AbortSignal | undefined): AbortSignal {
        const timeout = AbortSignal.timeout(this.deps.requestTimeoutMs);
        return caller === undefined ? timeout : AbortSignal.any([caller, timeout]);
    }
}

/**
 * Automation JSON-decodes every parameter value, so each is sent JSON-encoded; only the closed set of
 * `SyncJobParameters` is sent, never anything else from a request. `NotBefore` only when given: the runbook's
 * default (empty) means no constraint.
 * @param parameters - the runbook parameters
 */
function encodeParameters(parameters: SyncJobParameters): Record<string, string> {
    return {
        PolicyType: JSON.stringify(parameters.PolicyType),
        TimeoutSeconds: JSON.stringify(parameters.TimeoutSeconds),
        CorrelationId: JSON.stringify(parameters.CorrelationId),
        ...(parameters.NotBefore === undefined ? {} : { NotBefore: JSON.stringify(parameters.NotBefore) }),
    };
}

/** Telemetry items stay bounded even when a service answers with a page of text. */
const MAX_TELEMETRY_DETAIL_CHARS = 8_000;

/**
 * A typed error's message (call, status, attempts) with the service's full answer, which the message abridges.
 * @param error - the error withRetry threw, the SDK's error as its cause
 */
function unabridged(error: Error): string {
    const answer = error.cause instanceof Error ? oneLine(error.cause.message) : '';
    const text = answer === '' || error.message.includes(answer) ? error.message : `${error.message}\n${answer}`;
    return bounded(text, MAX_TELEMETRY_DETAIL_CHARS);
}

/** The job name a call's description ends with (`create job <name>`, `read output of job <name>`). */
function jobNameOf(what: string): string {
    return /job (\S+)$/.exec(what)?.[1] ?? '';
}

/** ARM's 404 codes for a missing parent (account, group, subscription) or route: not a lost job but a config fault. */
const PARENT_NOT_FOUND_CODES = new Set([
    'ParentResourceNotFound',
    'ResourceGroupNotFound',
    'SubscriptionNotFound',
    'InvalidResourceType',
]);

/** Automation answered that the job itself does not exist. */
function isNotFound(error: unknown): boolean {
    if (!isPermanentDependencyError(error) || error.statusCode !== 404) return false;
    const code = armErrorCode(error);
    return code === undefined || !PARENT_NOT_FOUND_CODES.has(code);
}

/**
 * ARM's error code: the deepest `code` down the cause chain. The reader-facing error wraps the retry layer's
 * error, which wraps the SDK's RestError; the wrappers carry our own codes (DEPENDENCY_PERMANENT), ARM's is last.
 * @param error - the error the call threw
 */
function armErrorCode(error: unknown): string | undefined {
    let code: string | undefined;
    let current: unknown = error;
    for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
        if ('code' in current && typeof current.code === 'string') code = current.code;
        current = 'cause' in current ? current.cause : undefined;
    }
    return code;
}

function firstText(...values: (string | null | undefined)[]): string | undefined {
    return values.find((v): v is string => typeof v === 'string' && v.trim() !== '');
}

function listed(label: string, items: readonly string[]): string {
    return items.length === 0 ? '' : `${label}: ${items.join(' | ')}`;
}

function oneLine(text: string): string {
    return text.replace(/\s+/g, ' ').trim();
}

function lowerFirst(text: string): string {
    return text === '' ? text : `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

function bounded(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
