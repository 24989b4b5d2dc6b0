import type { Effect, EngineInput } from '../domain/decision';
import type { JobObservation } from '../domain/jobObservation';
import type { Target } from '../domain/target';
import {
    ensureError,
    isPermanentDependencyError,
    isTransientDependencyError,
    readerReasonOf,
    UnknownTargetError,
} from '../errors';
import type { AutomationJobs } from '../ports/automationJobs';
import { traceIdFor } from '../ports/correlation';
import type { Logger } from '../ports/logger';
import type { TargetStateStore } from '../ports/targetStateStore';
import type { Telemetry } from '../ports/telemetry';
import type { WakeScheduler } from '../ports/wakeScheduler';
import { jobNameFor } from './jobName';

/** What performing the engine's effects needs. */
export interface EffectDeps {
    readonly store: TargetStateStore;
    readonly wakes: WakeScheduler;
    readonly jobs: AutomationJobs;
    readonly telemetry: Telemetry;
    readonly targets: ReadonlyMap<string, Target>;
    readonly log: Logger;
}

/**
 * The configured target, or a typed error.
 * @param targets - the configured targets
 * @param targetId - the target asked for
 */
export function targetOf(targets: ReadonlyMap<string, Target>, targetId: string): Target {
    const found = targets.get(targetId);
    if (found === undefined) throw new UnknownTargetError(targetId);
    return found;
}

/**
 * Performs one effect; returns the inputs its result produces (a job created, read or failed), or none. Expected
 * failures of Automation calls become inputs; anything else is thrown for the caller to log.
 * @param deps - the ports
 * @param targetId - the target
 * @param effect - what the engine asked for
 */
export async function performEffect(deps: EffectDeps, targetId: string, effect: Effect): Promise<EngineInput[]> {
    switch (effect.type) {
        case 'emit':
            deps.telemetry.track(effect.event);
            return [];
        case 'scheduleWake':
            await deps.wakes.schedule({ targetId, token: effect.token, at: effect.at });
            return [];
        case 'recordRun':
            await deps.store.putRun(effect.run);
            return [];
        case 'startJob':
            return startJob(deps, targetOf(deps.targets, targetId), effect);
        case 'observeJob':
            return observeJob(deps, targetOf(deps.targets, targetId), effect);
        case 'stopJob':
            await deps.jobs.stopJob(targetOf(deps.targets, targetId), effect.jobName);
            return [];
    }
}

async function startJob(
    deps: EffectDeps,
    target: Target,
    effect: Extract<Effect, { type: 'startJob' }>,
): Promise<EngineInput[]> {
    const jobName = jobNameFor(target.targetId, effect.epoch, effect.seq, effect.attempt);
    const { seq, attempt } = effect;
    try {
        const observation = await deps.jobs.createJob(target, jobName, {
            PolicyType: effect.policy,
            // Leave the engine room to read the result before its own timeout stops the job.
            TimeoutSeconds: Math.max(60, Math.floor((target.timing.runTimeoutMs * 0.9) / 1000)),
            CorrelationId: traceIdFor(effect.correlationId),
            // Queued behind the run in progress: the runbook waits for its cycle, and for minSpacing.
            ...(effect.notBefore === null ? {} : { NotBefore: new Date(effect.notBefore).toISOString() }),
        });
        return [{ type: 'jobCreated', seq, attempt, jobName }, ...observedIfMoved(seq, attempt, observation)];
    } catch (e) {
        const transient = !isPermanentDependencyError(e);
        if (!isTransientDependencyError(e) && transient) {
            deps.log.error(`Unexpected error creating job ${jobName}`, ensureError(e).message);
        }
        return [{ type: 'jobStartFailed', seq, attempt, transient, reason: readerReasonOf(e) }];
    }
}

async function observeJob(
    deps: EffectDeps,
    target: Target,
    effect: Extract<Effect, { type: 'observeJob' }>,
): Promise<EngineInput[]> {
    const { seq, attempt } = effect;
    try {
        const observation = await deps.jobs.getJob(target, effect.jobName);
        return [{ type: 'jobObserved', seq, attempt, observation }];
    } catch (e) {
        if (!isTransientDependencyError(e) && !isPermanentDependencyError(e)) {
            deps.log.error(`Unexpected error reading job ${effect.jobName}`, ensureError(e).message);
        }
        return [{ type: 'jobReadFailed', seq, attempt, reason: readerReasonOf(e) }];
    }
}

/** A create that found the job already beyond the queue (a retried create) is also an observation. */
function observedIfMoved(seq: number, attempt: number, observation: JobObservation): EngineInput[] {
    return observation.kind === 'queued' ? [] : [{ type: 'jobObserved', seq, attempt, observation }];
}
