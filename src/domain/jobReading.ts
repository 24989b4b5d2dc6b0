import type { CycleReport } from './cycleOutcome';
import type { EngineEvent } from './engineEvent';
import type { JobObservation } from './jobObservation';
import { stopReasonText } from './runLifecycle';
import type { RunWithJob } from './targetState';
import type { TargetTiming } from './timing';

/**
 * What one reading of a run's job means for the run: it ended (with the report its run ends with, or retries on),
 * or it goes on, updated; with the event the reading is worth, if any. `lost`: Automation has no such job, so
 * nothing more will be learnt about it and no retry can help. `endedAt`: the job's own end as Automation reports
 * it (not the moment the engine read it), else the reading.
 */
export type JobReading =
    | {
          readonly kind: 'ended';
          readonly run: RunWithJob;
          readonly report: CycleReport;
          readonly lost: boolean;
          readonly endedAt: number;
      }
    | { readonly kind: 'goesOn'; readonly run: RunWithJob; readonly event: EngineEvent | null };

/**
 * Reads a job observation into its run. Pure.
 * @param targetId - the target
 * @param run - the run whose job was read
 * @param observation - what Automation answered
 * @param nextPollAt - when to read the job next, if it goes on
 * @param now - when it was read
 * @param timing - the target's timing
 */
export function readJob(
    targetId: string,
    run: RunWithJob,
    observation: JobObservation,
    nextPollAt: number,
    now: number,
    timing: TargetTiming,
): JobReading {
    if (observation.kind === 'notFound') {
        const read = { ...run, polls: run.polls + 1, lastError: null };
        return { kind: 'ended', run: read, report: lostJobReport(run), lost: true, endedAt: now };
    }
    const base: RunWithJob = {
        ...run,
        lastStatus: observation.status,
        polls: run.polls + 1,
        nextPollAt,
        lastError: null,
    };
    const about = { targetId, correlationId: run.correlationId, seq: run.seq, jobName: run.jobName };
    switch (observation.kind) {
        case 'finished': {
            const stopped = run.phase === 'stopping' && observation.status === 'Stopped';
            const report: CycleReport = stopped
                ? {
                      ...observation.report,
                      outcome: run.stopReason,
                      reason: stopReasonText(run.stopReason),
                      stop: 'confirmed',
                  }
                : observation.report;
            const jobStartedAt = observation.startedAt ?? run.jobStartedAt;
            // The job's own end, within what the engine knows: after its window closed, not after this reading.
            const endedAt = Math.min(now, Math.max(run.windowClosedAt, observation.endedAt ?? now));
            return { kind: 'ended', run: { ...base, jobStartedAt }, report, lost: false, endedAt };
        }
        case 'queued': {
            const queuedMs = now - run.jobCreatedAt;
            const offline = !run.workerOfflineReported && queuedMs >= timing.workerOfflineAfterMs;
            return {
                kind: 'goesOn',
                run: { ...base, attentionSince: null, workerOfflineReported: run.workerOfflineReported || offline },
                event: offline ? { type: 'WorkerOffline', ...about, queuedMs, status: observation.status } : null,
            };
        }
        case 'running':
            return {
                kind: 'goesOn',
                run: { ...base, attentionSince: null, jobStartedAt: run.jobStartedAt ?? observation.startedAt ?? now },
                event: null,
            };
        case 'attention':
            return {
                kind: 'goesOn',
                run: { ...base, attentionSince: run.attentionSince ?? now },
                event:
                    run.attentionSince === null
                        ? { type: 'JobNeedsAttention', ...about, status: observation.status }
                        : null,
            };
    }
}

/**
 * Automation has no such job: nothing more will be learnt about it, so the run ends now and the next one may start,
 * instead of waiting for the run timeout and stop grace and calling it WorkerOffline.
 */
function lostJobReport(run: RunWithJob): CycleReport {
    const lost = `Automation has no job ${run.jobName} any more (deleted, or its account was restored or recreated)`;
    return run.phase === 'stopping'
        ? {
              outcome: run.stopReason,
              reason: `${stopReasonText(run.stopReason)}; ${lost}`,
              exportErrors: 0,
              stop: 'confirmed',
          }
        : { outcome: 'JobLost', reason: `${lost}; whether its cycle ran is unknown`, exportErrors: 0 };
}
