import { createHash } from 'node:crypto';

import type { DirectoryObjectRef } from '../../domain/entraConfirmation';
import type { Clock } from '../../ports/clock';
import type { Directory, DirectoryAnswer, DirectoryLookup, DirectoryUser } from '../../ports/directory';
import { planLookups, REQUESTS_PER_BATCH, VALUES_PER_REQUEST } from '../graph/graphLookupPlan';
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
 * object always behaves the same). Objects never made are never found. Lookups are grouped and counted as the Graph
 * adapter sends them (graphLookupPlan.ts), so local runs and the bench spend what Graph would.
 */
export class SimulatedDirectory implements Directory {
    readonly refsPerRequest = VALUES_PER_REQUEST;
    readonly requestsPerCall = REQUESTS_PER_BATCH;

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

    lookUp(groups: readonly (readonly DirectoryObjectRef[])[], maxRequests: number): Promise<DirectoryLookup> {
        const answers: DirectoryAnswer[][] = groups.map((g) => g.map(() => ({ kind: 'notAsked' })));
        const plan = planLookups(groups).slice(0, Math.max(0, Math.min(maxRequests, REQUESTS_PER_BATCH)));
        for (const request of plan) {
            for (const m of request.members) {
                const ref = groups[m.group]?.[m.index];
                const row = answers[m.group];
                if (ref === undefined || row === undefined) continue;
                const user = this.userFor(ref);
                row[m.index] = user === null ? { kind: 'absent' } : { kind: 'found', user };
            }
        }
        return Promise.resolve({ answers, requests: plan.length, calls: plan.length === 0 ? 0 : 1 });
    }

    /** The user Entra ID would show for the reference now (the bench reads it when the simulation ends). */
    userFor(ref: DirectoryObjectRef): DirectoryUser | null {
        const object = this.made.get(key(ref));
        if (object === undefined) return null;
        const now = this.clock.now();
        const carrier = this.server
            .cycles()
            .find(
                (c) => c.exported && c.endedAt !== null && c.endedAt <= now && c.importStartedAt >= object.replicatedAt,
            );
        if (carrier === undefined || carrier.endedAt === null) return null;
        return {
            id: `sim-${createHash('sha256').update(key(ref)).digest('hex').slice(0, 32)}`,
            userPrincipalName: ref.by === 'userPrincipalName' ? ref.value : null,
            onPremisesImmutableId: ref.by === 'immutableId' ? ref.value : null,
            onPremisesSyncEnabled: true,
            onPremisesLastSyncAt: carrier.endedAt,
        };
    }

    /** Deterministic per object: a hash of the reference against the lag rate. */
    private lags(ref: DirectoryObjectRef): boolean {
        if (this.options.lagRate <= 0) return false;
        if (this.options.lagRate >= 1) return true;
        const draw = createHash('sha256').update(key(ref)).digest().readUInt32BE(0) / 2 ** 32;
        return draw < this.options.lagRate;
    }
}
