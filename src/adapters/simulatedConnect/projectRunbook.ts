import { cycleReportFromOutput } from '../../domain/runbookResult';
import type { RunbookEnd, RunbookJob, RunbookProgram, ServerControl } from './connectWorld';
import {
    answerStart,
    beginRunbook,
    type BindingRefusal,
    bindRunbookParameters,
    continueRunbook,
    type RunbookParameters,
    type RunbookSettings,
    type RunbookStep,
    type StartAnswer,
} from './runbook';
import { resultLine, type RunbookResult } from './runbookResult';

/** What "Sync is already running" says when Start-ADSyncSyncCycle is called during a cycle. */
const BUSY_MESSAGE = 'Sync is already running. Cannot start a new run till this one completes.';

/** How a driver runs this project's runbook: its settings per job, and how it binds a job's parameters. */
export interface ProjectRunbookSetup<J extends RunbookJob> {
    settingsOf(job: J): RunbookSettings;
    /** Default: as the script binds them ({@link bindRunbookParameters}). */
    bind?(job: J): RunbookParameters | BindingRefusal;
}

/**
 * This project's runbook on a simulated server: the model (runbook.ts) driven by the server's events. Each action
 * of the model becomes one event: a reading at its time, a start answered at once, the line at its time.
 */
export class ProjectRunbook<J extends RunbookJob> implements RunbookProgram<J> {
    constructor(
        private readonly server: ServerControl<J>,
        private readonly setup: ProjectRunbookSetup<J>,
    ) {}

    begin(job: J, at: number): void {
        const bound = this.setup.bind?.(job) ?? bindRunbookParameters(job.parameters);
        if ('refused' in bound) {
            // PowerShell refuses the parameters before the script runs: the job fails and writes no line.
            const report = { outcome: 'Failed', exportErrors: 0, reason: bound.refused } as const;
            this.server.endRunbook(job, at, { status: 'Failed', report, output: null });
            return;
        }
        this.follow(job, at, beginRunbook(bound, this.setup.settingsOf(job), at, this.server.reading(at)));
    }

    /** Carries out the model's actions until it waits for a later moment or ends. */
    private follow(job: J, at: number, first: RunbookStep): void {
        for (let step = first; ;) {
            if (step.beganWaiting) this.server.counters.busyWaits++;
            const action = step.action;
            if (action.kind === 'finish') {
                this.server.endRunbook(job, action.at, endOf(action.result));
                return;
            }
            if (action.kind === 'startCycle') {
                const answer = this.start(job, at, action.policy);
                step = answerStart(step.state, at, answer, this.server.reading(at));
                continue;
            }
            const state = step.state;
            this.server.schedule(action.at, (readAt) => {
                if (!job.done) this.follow(job, readAt, continueRunbook(state, readAt, this.server.reading(readAt)));
            });
            return;
        }
    }

    /** Start-ADSyncSyncCycle: refused while a cycle runs. */
    private start(job: J, at: number, policy: J['parameters']['PolicyType']): StartAnswer {
        if (this.server.running() !== null) {
            this.server.counters.busyErrors++;
            return { kind: 'busy', message: BUSY_MESSAGE };
        }
        return { kind: 'started', cycleId: this.server.startCycle(at, policy, job).id };
    }
}

/** The runbook's line as Automation serves it, and the report the real adapter makes of it. */
function endOf(result: RunbookResult): RunbookEnd {
    const output = resultLine(result);
    return { status: 'Completed', report: cycleReportFromOutput(output), output };
}
