import { setTimeout as delay } from 'node:timers/promises';

import { AutomationClient } from '@azure/arm-automation';
import type { TokenCredential } from '@azure/core-auth';

import type { AutomationJobs } from '../../ports/automationJobs';
import { type Clock, systemClock } from '../../ports/clock';
import type { Telemetry } from '../../ports/telemetry';
import { ArmAutomationJobs } from './armAutomationJobs';
import { createArmCredential } from './credential';
import { DEFAULT_BACKOFF, type Sleep } from './retry';

/** Where and as whom the Azure Automation adapter calls ARM. */
export interface AzureAutomationSettings {
    /** The ARM endpoint (sovereign clouds, tests). */
    readonly endpoint: string;
    /** The user-assigned managed identity; null: developer credentials. */
    readonly clientId: string | null;
    /** Total time one Automation call may spend retrying 429/5xx. */
    readonly retryBudgetMs: number;
}

export { ArmAutomationJobs } from './armAutomationJobs';
export { classifyCallFailure, parseRetryAfter } from './callFailure';
export { classifyJobStatus } from './jobStatus';
export { type Sleep } from './retry';

/** Test and tuning seams of the Automation adapter; production passes none of them. */
export interface AutomationJobsOptions {
    /** Replaces the managed-identity / developer credential (tests pass a fake token). */
    readonly credential?: TokenCredential;
    /** Measures the retry budget and call durations. */
    readonly clock?: Clock;
    /** Waits between attempts; tests pass one that advances a manual clock. */
    readonly sleep?: Sleep;
    /** Per HTTP request; default 30 s. */
    readonly requestTimeoutMs?: number;
    /** Back-off when the service sends no Retry-After; defaults 1 s doubling to 30 s. */
    readonly baseDelayMs?: number;
    readonly maxDelayMs?: number;
}

const systemSleep: Sleep = (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal });

/**
 * Builds the automation-jobs port for Azure Automation, for the composition root. The credential and one
 * client per subscription are built once and reused.
 * @param config - the validated config (its `automation` section: endpoint, clientId, retryBudgetMs)
 * @param telemetry - receives one dependency record per HTTP call
 * @param options - test seams
 */
export function createAutomationJobs(
    config: { readonly automation: AzureAutomationSettings },
    telemetry: Telemetry,
    options: AutomationJobsOptions = {},
): AutomationJobs {
    const { endpoint, clientId, retryBudgetMs } = config.automation;
    const credential = options.credential ?? createArmCredential(clientId);
    const clients = new Map<string, AutomationClient>();
    const clientFor = (subscriptionId: string): AutomationClient => {
        let client = clients.get(subscriptionId);
        if (client === undefined) {
            // countType1 is a required constructor argument used only by the statistics operations.
            // noRetryPolicy: retries are ours (budget, Retry-After, injectable clock), not ms-rest-js's.
            client = new AutomationClient(credential, subscriptionId, 'status', {
                baseUri: endpoint,
                noRetryPolicy: true,
            });
            clients.set(subscriptionId, client);
        }
        return client;
    };
    return new ArmAutomationJobs({
        clientFor,
        telemetry,
        clock: options.clock ?? systemClock,
        sleep: options.sleep ?? systemSleep,
        retry: {
            budgetMs: retryBudgetMs,
            baseDelayMs: options.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
            maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
        },
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        endpointHost: new URL(endpoint).host,
    });
}
