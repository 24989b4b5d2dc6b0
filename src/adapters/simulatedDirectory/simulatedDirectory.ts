import { createHash } from 'node:crypto';

import type { DirectoryObjectRef } from '../../domain/entraConfirmation';
import type { Clock } from '../../ports/clock';
import type { Directory, DirectoryUser } from '../../ports/directory';
import type { CycleRecord } from '../simulatedConnect/connectServer';

/** How the simulated directory behaves. */
export interface SimulatedDirectoryOptions {
    /** Probability (0–1) that an object reaches the Connect server's domain controller only after `lagMs`. */
    readonly lagRate: number;
    readonly lagMs: number;
}

/** What the simulated directory reads of the simulated Connect server: the cycles it ran. */
export interface ExportedCycles {
    cycles(): readonly CycleRecord[];
}

const key = (ref: DirectoryObjectRef): string => `${ref.by}:${ref.value.toLowerCase()}`;

/**
 * A simulated Microsoft Entra ID for local runs: an object made in AD becomes visible once a cycle of the simulated
 * Connect server that exported (not a staging server) imported after the object had replicated to the domain
 * controller it reads, and ended. Some objects lag (a per-object choice derived from the reference, so the same
 * object always behaves the same). Objects never made are never found.
 */
export class SimulatedDirectory implements Directory {
    private readonly made = new Map<string, { readonly ref: DirectoryObjectRef; readonly replicatedAt: number }>();

    constructor(
        private readonly clock: Clock,
        private readonly server: ExportedCycles,
        private readonly options: SimulatedDirectoryOptions,
    ) {}

    /**
     * The AD side: an object was created or changed at `at`. The first time counts (a retried request changes
     * nothing).
     */
    objectMade(ref: DirectoryObjectRef, at: number): void {
        if (this.made.has(key(ref))) return;
        const lags = this.lags(ref);
        this.made.set(key(ref), { ref, replicatedAt: at + (lags ? this.options.lagMs : 0) });
    }

    findUser(ref: DirectoryObjectRef): Promise<DirectoryUser | null> {
        const object = this.made.get(key(ref));
        if (object === undefined) return Promise.resolve(null);
        const now = this.clock.now();
        const carrier = this.server
            .cycles()
            .find(
                (c) => c.exported && c.endedAt !== null && c.endedAt <= now && c.importStartedAt >= object.replicatedAt,
            );
        if (carrier === undefined || carrier.endedAt === null) return Promise.resolve(null);
        return Promise.resolve({
            id: `sim-${createHash('sha256').update(key(ref)).digest('hex').slice(0, 32)}`,
            userPrincipalName: ref.by === 'userPrincipalName' ? ref.value : null,
            onPremisesImmutableId: ref.by === 'immutableId' ? ref.value : null,
            onPremisesSyncEnabled: true,
            onPremisesLastSyncAt: carrier.endedAt,
        });
    }

    /** Deterministic per object: a hash of the reference against the lag rate. */
    private lags(ref: DirectoryObjectRef): boolean {
        if (this.options.lagRate <= 0) return false;
        if (this.options.lagRate >= 1) return true;
        const draw = createHash('sha256').update(key(ref)).digest().readUInt32BE(0) / 2 ** 32;
        return draw < this.options.lagRate;
    }
}
