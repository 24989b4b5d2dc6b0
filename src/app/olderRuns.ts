import { HISTORY_LIMIT, type RunSummary, type TargetState } from '../domain/targetState';
import { STATUS_DAY_MS } from './statusModel';

/** Reads one finished run from the run store (the coordinator's `getRun`). */
type RunReader = (targetId: string, seq: number) => Promise<RunSummary | null>;

/**
 * At most this many runs are read from the run store per status answer: one every 10 minutes for a day, past the
 * recent history. A target that runs more often shows the newest of them.
 */
const MAX_OLDER_RUNS = 144;

/** Point reads issued together: a day of half-hourly runs past the history is two rounds. */
const READ_BATCH = 16;

/**
 * The finished runs of the last 24 hours that have already left the target's recent history (which keeps the
 * last {@link HISTORY_LIMIT}), read from the run store by seq, newest first. Stops at the first run that ended
 * before the day began, at a seq the store does not have, or after {@link MAX_OLDER_RUNS}.
 * @param readRun - the run store
 * @param state - the target's state
 * @param now - the current time
 */
export async function readOlderRuns(readRun: RunReader, state: TargetState, now: number): Promise<RunSummary[]> {
    const oldest = state.history.at(-1);
    const dayStart = now - STATUS_DAY_MS;
    // A history that is not full holds every run there ever was; one that starts before the day holds the day.
    if (oldest === undefined || state.history.length < HISTORY_LIMIT || oldest.endedAt < dayStart) return [];
    const older: RunSummary[] = [];
    let seq = oldest.seq - 1;
    while (seq >= 1 && older.length < MAX_OLDER_RUNS) {
        const seqs = Array.from(
            { length: Math.min(READ_BATCH, seq, MAX_OLDER_RUNS - older.length) },
            (_, i) => seq - i,
        );
        const runs = await Promise.all(seqs.map((s) => readRun(state.targetId, s)));
        for (const run of runs) {
            if (run === null || run.endedAt < dayStart) return older;
            older.push(run);
        }
        seq -= seqs.length;
    }
    return older;
}
