import type { RunSummary, TargetState } from '../domain/targetState';

/** A target's state as loaded, with the ETag that guards the next save. */
export interface StoredTargetState {
    readonly state: TargetState;
    readonly etag: string;
}

/**
 * Where target state lives. Saves are conditional: `save` with an ETag fails with
 * {@link ConcurrencyConflictError} when someone else saved in between, and `save` with `null` fails the same
 * way when the target already exists.
 */
export interface TargetStateStore {
    /** Loads a target's state, or null when nothing was ever saved for it. */
    load(targetId: string): Promise<StoredTargetState | null>;
    /**
     * Saves a target's state if it is unchanged since it was loaded.
     * @param state - the new state
     * @param etag - the ETag of the loaded state, or null to create
     * @returns the new ETag
     */
    save(state: TargetState, etag: string | null): Promise<string>;
    /** Stores a finished run for lookups after it has left the target's recent history. Idempotent. */
    putRun(run: RunSummary): Promise<void>;
    /** A finished run by target and seq, or null. */
    getRun(targetId: string, seq: number): Promise<RunSummary | null>;
}
