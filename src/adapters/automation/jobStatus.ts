import type { AutomationJobStatus } from '../../domain/jobObservation';

/** Where a job status puts the job; `terminal` jobs get their output read. */
export type StatusClass =
    | { readonly kind: 'queued' | 'running' | 'terminal'; readonly status: AutomationJobStatus }
    | { readonly kind: 'attention'; readonly status: AutomationJobStatus; readonly unrecognised?: string };

const CLASS_OF: Readonly<Record<AutomationJobStatus, 'queued' | 'running' | 'attention' | 'terminal'>> = {
    New: 'queued',
    Activating: 'queued',
    Running: 'running',
    Resuming: 'running',
    Suspending: 'running',
    Stopping: 'running',
    Removing: 'running',
    Suspended: 'attention',
    Blocked: 'attention',
    Disconnected: 'attention',
    Completed: 'terminal',
    Failed: 'terminal',
    Stopped: 'terminal',
};

// The portal shows these wordings for waiting jobs; the API has not been seen sending them, but costs nothing.
const ALIASES: Readonly<Record<string, AutomationJobStatus>> = { Queued: 'New', Starting: 'Activating' };

function isKnownStatus(status: string): status is AutomationJobStatus {
    return Object.hasOwn(CLASS_OF, status);
}

/**
 * Classifies a job status as the service reports it. The engine decides "worker offline" from how long a
 * job stays queued. An unknown status asks for attention rather than guessing that all is well.
 * @param reported - the `status` field of the job, if any
 */
export function classifyJobStatus(reported: string | undefined): StatusClass {
    const status = reported === undefined ? 'New' : (ALIASES[reported] ?? reported);
    if (isKnownStatus(status)) {
        return { kind: CLASS_OF[status], status };
    }
    return { kind: 'attention', status: 'Blocked', unrecognised: reported };
}
