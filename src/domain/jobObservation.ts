import type { CycleReport } from './cycleOutcome';

/** Automation job statuses, as the service reports them. */
export type AutomationJobStatus =
    | 'New'
    | 'Activating'
    | 'Running'
    | 'Completed'
    | 'Failed'
    | 'Stopped'
    | 'Blocked'
    | 'Suspended'
    | 'Disconnected'
    | 'Suspending'
    | 'Stopping'
    | 'Resuming'
    | 'Removing';

/**
 * What reading a job told us, already classified.
 * - `queued`: not picked up by a Hybrid Worker yet (New, Activating).
 * - `running`: the runbook is executing (Running, Resuming, Suspending, Stopping, Removing).
 * - `attention`: Suspended, Blocked, Disconnected: a person should look.
 * - `finished`: terminal, with the cycle report (from the result line, or decided from the job status).
 * - `notFound`: Automation has no job of that name (deleted, or the account was restored or recreated).
 */
export type JobObservation =
    | { readonly kind: 'queued'; readonly status: AutomationJobStatus }
    | { readonly kind: 'running'; readonly status: AutomationJobStatus; readonly startedAt?: number }
    | { readonly kind: 'attention'; readonly status: AutomationJobStatus; readonly detail?: string }
    | {
          readonly kind: 'finished';
          readonly status: AutomationJobStatus;
          readonly report: CycleReport;
          readonly startedAt?: number;
          readonly endedAt?: number;
      }
    | { readonly kind: 'notFound' };
