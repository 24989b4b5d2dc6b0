import { type ConfirmationRecord, isConfirmationFinal } from '../../domain/entraConfirmation';
import type { ConfirmationStore } from '../../ports/confirmationStore';

/**
 * Confirmations in process memory: tests, the local host, and a single instance. Lost on restart (a lost record
 * means the request reports its cycle's outcome without a confirmation, as with ENTRA_CONFIRMATION=off).
 */
export class MemoryConfirmationStore implements ConfirmationStore {
    private readonly records = new Map<string, ConfirmationRecord>();
    private version = 0;

    create(record: ConfirmationRecord): Promise<void> {
        if (!this.records.has(record.requestId)) this.records.set(record.requestId, this.tagged(record));
        return Promise.resolve();
    }

    get(requestId: string): Promise<ConfirmationRecord | null> {
        return Promise.resolve(this.records.get(requestId) ?? null);
    }

    update(record: ConfirmationRecord): Promise<boolean> {
        const current = this.records.get(record.requestId);
        if (current === undefined || current.etag !== record.etag) return Promise.resolve(false);
        this.records.set(record.requestId, this.tagged(record));
        return Promise.resolve(true);
    }

    listOpen(limit: number): Promise<ConfirmationRecord[]> {
        return Promise.resolve(
            [...this.records.values()]
                .filter((r) => !isConfirmationFinal(r.state))
                .sort((a, b) => a.acceptedAt - b.acceptedAt)
                .slice(0, limit),
        );
    }

    deleteOlderThan(acceptedBefore: number, limit: number): Promise<number> {
        const old = [...this.records.values()].filter((r) => r.acceptedAt < acceptedBefore).slice(0, limit);
        for (const r of old) this.records.delete(r.requestId);
        return Promise.resolve(old.length);
    }

    private tagged(record: ConfirmationRecord): ConfirmationRecord {
        return { ...record, etag: String(++this.version) };
    }
}
