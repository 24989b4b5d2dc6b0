import type { MergeRefusal } from '../../domain/decision';
import type { RequestRecord } from '../../domain/requestStatus';
import type { RegisterRequestResult, RequestStore } from '../../ports/requestStore';

/** Accepted requests in memory; keys behave like the Table store's (first writer wins). */
export class MemoryRequestStore implements RequestStore {
    private readonly byId = new Map<string, RequestRecord>();
    private readonly byKey = new Map<string, string>();

    register(record: RequestRecord): Promise<RegisterRequestResult> {
        const key = idempotencyIndexKey(record);
        const existingId = this.byKey.get(key);
        const existing = existingId === undefined ? undefined : this.byId.get(existingId);
        if (existing !== undefined) return Promise.resolve({ kind: 'existing', record: existing });
        this.byKey.set(key, record.requestId);
        this.byId.set(record.requestId, record);
        return Promise.resolve({ kind: 'created', record });
    }

    markMerged(requestId: string, windowSeq: number): Promise<void> {
        const record = this.byId.get(requestId);
        if (record !== undefined && record.windowSeq === null) {
            const { refusal: _refusal, ...unrefused } = record;
            this.byId.set(requestId, { ...unrefused, windowSeq });
        }
        return Promise.resolve();
    }

    markRefused(requestId: string, refusal: MergeRefusal): Promise<void> {
        const record = this.byId.get(requestId);
        if (record !== undefined && record.windowSeq === null) this.byId.set(requestId, { ...record, refusal });
        return Promise.resolve();
    }

    get(requestId: string): Promise<RequestRecord | null> {
        return Promise.resolve(this.byId.get(requestId) ?? null);
    }

    listUnmerged(acceptedBefore: number, limit: number): Promise<RequestRecord[]> {
        const found = [...this.byId.values()]
            .filter((r) => r.windowSeq === null && r.refusal === undefined && r.acceptedAt < acceptedBefore)
            .sort((a, b) => a.acceptedAt - b.acceptedAt)
            .slice(0, Math.max(limit, 0));
        return Promise.resolve(found);
    }

    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        const old = [...this.byId.values()]
            .filter((r) => r.acceptedAt < acceptedBefore)
            .sort((a, b) => a.acceptedAt - b.acceptedAt)
            .slice(0, Math.max(limit, 0));
        for (const record of old) {
            this.byId.delete(record.requestId);
            const key = idempotencyIndexKey(record);
            if (this.byKey.get(key) === record.requestId) this.byKey.delete(key);
        }
        return Promise.resolve(old.length);
    }

    /** Every stored request (tests and the sandbox). */
    all(): RequestRecord[] {
        return [...this.byId.values()];
    }
}

/** Idempotency is per target and key; without a key the request id itself is the key. */
function idempotencyIndexKey(record: Pick<RequestRecord, 'targetId' | 'idempotencyKey' | 'requestId'>): string {
    return record.idempotencyKey === null
        ? `id:${record.requestId}`
        : `key:${record.targetId}:${record.idempotencyKey}`;
}
