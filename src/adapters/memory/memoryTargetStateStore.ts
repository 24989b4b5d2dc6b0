import type { RunSummary, TargetState } from '../../domain/targetState';
import { ConcurrencyConflictError } from '../../errors';
import type { StoredTargetState, TargetStateStore } from '../../ports/targetStateStore';

/**
 * Target state in memory with the same ETag semantics as the Table store. States are deep-copied on the way in and
 * out, as a real store would, so no caller can mutate what is stored.
 */
export class MemoryTargetStateStore implements TargetStateStore {
    private readonly states = new Map<string, { state: TargetState; etag: string }>();
    private readonly runs = new Map<string, RunSummary>();
    private version = 0;

    load(targetId: string): Promise<StoredTargetState | null> {
        const entry = this.states.get(targetId);
        if (entry === undefined) return Promise.resolve(null);
        return Promise.resolve({ state: structuredClone(entry.state), etag: entry.etag });
    }

    save(state: TargetState, etag: string | null): Promise<string> {
        const current = this.states.get(state.targetId);
        if ((current?.etag ?? null) !== etag) {
            return Promise.reject(
                new ConcurrencyConflictError(`State of ${state.targetId} changed since it was loaded`),
            );
        }
        const next = `W/"${++this.version}"`;
        this.states.set(state.targetId, { state: structuredClone(state), etag: next });
        return Promise.resolve(next);
    }

    putRun(run: RunSummary): Promise<void> {
        this.runs.set(`${run.targetId}/${run.seq}`, structuredClone(run));
        return Promise.resolve();
    }

    getRun(targetId: string, seq: number): Promise<RunSummary | null> {
        const run = this.runs.get(`${targetId}/${seq}`);
        return Promise.resolve(run === undefined ? null : structuredClone(run));
    }

    /** All finished runs of a target, oldest first (tests and the sandbox). */
    listRuns(targetId: string): RunSummary[] {
        return [...this.runs.entries()]
            .filter(([key]) => key.startsWith(`${targetId}/`))
            .map(([, run]) => structuredClone(run))
            .sort((a, b) => a.seq - b.seq);
    }
}
