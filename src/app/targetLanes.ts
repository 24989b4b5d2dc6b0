/**
 * Inputs for one target, serialised in-process: while a batch is being decided and saved, later inputs wait and
 * then go together as the next batch (group commit). Under a burst, storage operations grow with batches, not with
 * inputs; across processes the ETag keeps it correct.
 */
export interface TargetLanes<I, V> {
    /** Queues an input for the target; resolves with its verdict once its batch was handled. */
    submit(targetId: string, input: I): Promise<V>;
}

interface Pending<I, V> {
    readonly input: I;
    readonly resolve: (verdict: V) => void;
    readonly reject: (e: unknown) => void;
}

interface Lane<I, V> {
    readonly pending: Pending<I, V>[];
    draining: boolean;
}

/**
 * Lanes that hand each batch to `handle`, which answers one verdict per input, in order.
 * @param handle - decides and saves one batch of a target's inputs
 * @param maxBatch - the largest batch
 */
export function createTargetLanes<I, V>(
    handle: (targetId: string, inputs: readonly I[]) => Promise<readonly V[]>,
    maxBatch: number,
): TargetLanes<I, V> {
    const lanes = new Map<string, Lane<I, V>>();

    async function drain(targetId: string, lane: Lane<I, V>): Promise<void> {
        lane.draining = true;
        try {
            while (lane.pending.length > 0) {
                const batch = lane.pending.splice(0, maxBatch);
                try {
                    const verdicts = await handle(
                        targetId,
                        batch.map((p) => p.input),
                    );
                    batch.forEach((p, i) => {
                        const verdict = verdicts[i];
                        if (verdict === undefined) p.reject(new Error('A batch answered fewer verdicts than inputs'));
                        else p.resolve(verdict);
                    });
                } catch (e) {
                    for (const p of batch) p.reject(e);
                }
            }
        } finally {
            lane.draining = false;
        }
    }

    return {
        submit(targetId, input) {
            let lane = lanes.get(targetId);
            if (lane === undefined) {
                lane = { pending: [], draining: false };
                lanes.set(targetId, lane);
            }
            const queued = lane;
            const promise = new Promise<V>((resolve, reject) => queued.pending.push({ input, resolve, reject }));
            if (!queued.draining) void drain(targetId, queued);
            return promise;
        },
    };
}
