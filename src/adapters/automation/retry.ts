import { backoffDelay } from '../../domain/backoff';
import { PermanentDependencyError, TransientDependencyError } from '../../errors';
import type { Clock } from '../../ports/clock';
import { type CallFailure, classifyCallFailure } from './callFailure';

/** Waits; injectable so tests move a manual clock instead of sleeping. Rejects when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
    /** Total time one logical call may spend, attempts and waits included. 0 = a single attempt. */
    readonly budgetMs: number;
    /** First back-off when the service sent no `Retry-After`; doubles per attempt. */
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF = { baseDelayMs: 1_000, maxDelayMs: 30_000 } as const;

export interface RetryContext {
    readonly clock: Clock;
    readonly sleep: Sleep;
    readonly policy: RetryPolicy;
    /** Called after every failed attempt, before deciding to wait or give up. */
    readonly onFailure?: (failure: CallFailure, attempt: number) => void;
    readonly signal?: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds, a permanent failure occurs, or the next wait would overrun the budget.
 * Throws `PermanentDependencyError` or `TransientDependencyError`, with the last SDK error as `cause`.
 * @param what - names the call in error messages, e.g. `create job 6f1c…`
 * @param attempt - one HTTP call (a fresh request each time)
 * @param context - clock, sleep, policy
 */
export async function withRetry<T>(what: string, attempt: () => Promise<T>, context: RetryContext): Promise<T> {
    const { clock, sleep, policy, signal } = context;
    const startedAt = clock.now();
    for (let attemptNumber = 1; ; attemptNumber++) {
        try {
            return await attempt();
        } catch (error) {
            const failure = classifyCallFailure(error, clock.now());
            context.onFailure?.(failure, attemptNumber);
            const status = failure.statusCode === undefined ? failure.code : `${failure.statusCode} ${failure.code}`;
            if (signal?.aborted === true) {
                throw new TransientDependencyError(`Automation: ${what} was cancelled`, failure.statusCode, {
                    cause: error,
                });
            }
            if (!failure.transient) {
                throw new PermanentDependencyError(
                    `Automation: ${what} failed permanently (${status}): ${failure.message}`,
                    failure.statusCode,
                    { cause: error },
                );
            }
            const delayMs = failure.retryAfterMs ?? backoff(attemptNumber, policy);
            const spentMs = clock.now() - startedAt;
            if (spentMs + delayMs > policy.budgetMs) {
                throw new TransientDependencyError(
                    `Automation: ${what} failed transiently (${status}) after ${attemptNumber} attempt(s); ` +
                        `retry budget of ${Math.round(policy.budgetMs / 1000)} s would be exceeded: ${failure.message}`,
                    failure.statusCode,
                    { cause: error },
                );
            }
            try {
                await sleep(delayMs, signal);
            } catch (sleepError) {
                throw new TransientDependencyError(`Automation: ${what} was cancelled`, failure.statusCode, {
                    cause: sleepError,
                });
            }
        }
    }
}

function backoff(attemptNumber: number, policy: RetryPolicy): number {
    return backoffDelay(attemptNumber, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, flatSteps: 1 });
}
