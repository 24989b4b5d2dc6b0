import { chunkObjects, type ObjectChunk } from '../../domain/confirmationProgress';
import {
    type ConfirmationRecord,
    type ConfirmationState,
    type DirectoryObjectRef,
    isConfirmationFinal,
} from '../../domain/entraConfirmation';
import type { ConfirmationStore } from '../../ports/confirmationStore';

/**
 * Confirmations in process memory: tests, the local host, and a single instance. Lost on restart (a lost record
 * means the request reports its cycle's outcome without a confirmation, as with ENTRA_CONFIRMATION=off).
 */
export class MemoryConfirmationStore implements ConfirmationStore {
    private readonly records = new Map<string, ConfirmationRecord>();
    private readonly chunks = new Map<string, ObjectChunk[]>();
    private version = 0;

    create(record: ConfirmationRecord, objects: readonly DirectoryObjectRef[]): Promise<void> {
        if (!this.records.has(record.requestId)) {
            this.chunks.set(
                record.requestId,
                chunkObjects(objects).map((c) => this.tagged(c)),
            );
            this.records.set(record.requestId, this.tagged({ ...record, objectCount: objects.length }));
        }
        return Promise.resolve();
    }

    get(requestId: string): Promise<ConfirmationRecord | null> {
        return Promise.resolve(this.records.get(requestId) ?? null);
    }

    update(
        record: ConfirmationRecord,
        next: { readonly state: ConfirmationState; readonly dueAt: number },
    ): Promise<ConfirmationRecord | null> {
        const current = this.records.get(record.requestId);
        if (current === undefined || current.etag !== record.etag) return Promise.resolve(null);
        const saved = this.tagged({ ...current, state: next.state, dueAt: next.dueAt });
        this.records.set(record.requestId, saved);
        return Promise.resolve(saved);
    }

    listDue(now: number, limit: number): Promise<ConfirmationRecord[]> {
        return Promise.resolve(
            [...this.records.values()]
                .filter((r) => !isConfirmationFinal(r.state) && r.dueAt <= now)
                // As the table store's marker keys sort: due time, then request id.
                .sort((a, b) => a.dueAt - b.dueAt || (a.requestId < b.requestId ? -1 : 1))
                .slice(0, limit),
        );
    }

    readObjects(record: ConfirmationRecord): Promise<ObjectChunk[]> {
        return Promise.resolve([...(this.chunks.get(record.requestId) ?? [])]);
    }

    saveObjects(record: ConfirmationRecord, chunks: readonly ObjectChunk[]): Promise<boolean> {
        const stored = this.chunks.get(record.requestId);
        if (stored === undefined) return Promise.resolve(false);
        for (const chunk of chunks) {
            if (stored[chunk.index]?.etag !== chunk.etag) return Promise.resolve(false);
            stored[chunk.index] = this.tagged(chunk);
        }
        return Promise.resolve(true);
    }

    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        const old = [...this.records.values()].filter((r) => r.acceptedAt < acceptedBefore).slice(0, limit);
        for (const r of old) {
            this.records.delete(r.requestId);
            this.chunks.delete(r.requestId);
        }
        return Promise.resolve(old.length);
    }

    private tagged<T extends { readonly etag: string | null }>(value: T): T {
        return { ...value, etag: String(++this.version) };
    }
}
