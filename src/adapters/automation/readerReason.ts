import type { AutomationTarget } from '../../ports/automationJobs';
import type { CallFailure } from './callFailure';

/*
 * What a status reader is told about an Automation failure. A run's `reason` (and a run's `lastError`) is shown to
 * anyone who may read a request's status and on the status page; ARM's error text names the subscription, the
 * resource group, the Automation account and the object id of the app's identity (`The client '…' with object id
 * '…' does not have authorization to perform action '…' over scope '/subscriptions/…/resourceGroups/…'`). Readers
 * get a stable code and a short sentence; the full text goes to telemetry (an exception in the operation).
 */

/** Stable codes of Automation failures, as the first word of a reader-facing reason. */
type AutomationFailureCode =
    | 'AUTOMATION_FORBIDDEN'
    | 'AUTOMATION_NOT_FOUND'
    | 'AUTOMATION_BAD_REQUEST'
    | 'AUTOMATION_CONFLICT'
    | 'AUTOMATION_THROTTLED'
    | 'AUTOMATION_UNAVAILABLE'
    | 'AUTOMATION_UNREACHABLE'
    | 'AUTOMATION_CANCELLED'
    | 'AUTOMATION_UNEXPECTED_RESPONSE'
    | 'AUTOMATION_JOB_NAME_TAKEN';

/** The Automation calls the adapter makes (the `operation` of its dependency records). */
export type AutomationOperation = 'job.create' | 'job.get' | 'job.stop' | 'job.getOutput' | 'jobStream.listByJob';

/** A reader-facing description: the code, and `CODE: sentence` for a reason. */
export interface ReaderFailure {
    readonly code: AutomationFailureCode;
    readonly text: string;
}

const ACTION: Record<AutomationOperation, string> = {
    'job.create': 'start jobs',
    'job.get': 'read jobs',
    'job.stop': 'stop jobs',
    'job.getOutput': 'read job output',
    'jobStream.listByJob': 'read job streams',
};

function described(code: AutomationFailureCode, sentence: string, statusCode?: number): ReaderFailure {
    return { code, text: `${code}: ${sentence}${statusCode === undefined ? '' : ` (HTTP ${statusCode})`}` };
}

/**
 * The reader-facing description of a failed Automation call, from its status and kind only: never from the
 * service's message.
 * @param operation - the call
 * @param failure - the last attempt's failure
 * @param cancelled - the caller cancelled the call
 */
export function describeCallFailure(
    operation: AutomationOperation,
    failure: CallFailure | undefined,
    cancelled: boolean,
): ReaderFailure {
    if (cancelled) return described('AUTOMATION_CANCELLED', 'the call to Azure Automation was cancelled');
    const status = failure?.statusCode;
    if (status === 401 || status === 403) {
        return described(
            'AUTOMATION_FORBIDDEN',
            `the app's identity may not ${ACTION[operation]} in the Automation account`,
            status,
        );
    }
    if (status === 404) {
        return described(
            'AUTOMATION_NOT_FOUND',
            operation === 'job.create'
                ? 'the Automation account or its runbook was not found'
                : 'the job was not found in the Automation account',
            status,
        );
    }
    if (status === 400) {
        return described('AUTOMATION_BAD_REQUEST', 'Azure Automation refused the request as invalid', status);
    }
    if (status === 409) return described('AUTOMATION_CONFLICT', 'Azure Automation reported a conflict', status);
    if (status === 429) {
        return described('AUTOMATION_THROTTLED', 'Azure Automation throttled the calls until retries ran out', status);
    }
    if (status !== undefined && (status === 408 || status >= 500)) {
        return described(
            'AUTOMATION_UNAVAILABLE',
            'Azure Automation answered with an error until retries ran out',
            status,
        );
    }
    if (status === undefined && failure?.transient === true) {
        return described('AUTOMATION_UNREACHABLE', 'Azure Automation could not be reached (network or timeout)');
    }
    return described(
        'AUTOMATION_UNEXPECTED_RESPONSE',
        'Azure Automation gave an answer that could not be read',
        status,
    );
}

/** The reader-facing description of a job name already used by a job of another runbook. */
export function jobNameTaken(): ReaderFailure {
    return described('AUTOMATION_JOB_NAME_TAKEN', "a job with this run's name exists for another runbook", 409);
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** An ARM resource id, up to the next quote, whitespace or closing bracket. */
const RESOURCE_ID = /\/subscriptions\/[^\s'"`)\]}>,;]*/gi;

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes Azure identifiers from a text shown to readers: ARM resource ids, GUIDs (subscription, tenant, object
 * and job ids) and the target's own resource names. Used for what Automation reports about a finished job (its
 * exception, status details, error streams): that text is the on-call's first clue, so it is kept, without the
 * identifiers; the full text goes to telemetry.
 * @param text - the text
 * @param target - the target whose subscription, resource group, account and worker group are named
 */
export function withoutAzureIdentifiers(text: string, target: AutomationTarget): string {
    let result = text.replace(RESOURCE_ID, '<resource id>').replace(GUID, '<id>');
    const names = [target.resourceGroup, target.automationAccount, target.hybridWorkerGroup, target.subscriptionId]
        // Longest first, so a name that contains another is replaced whole; very short names would hit ordinary
        // words, and are left alone.
        .filter((name) => name.length >= 3)
        .sort((a, b) => b.length - a.length);
    for (const name of names) result = result.replace(new RegExp(escapeRegExp(name), 'gi'), '<name>');
    return result;
}
