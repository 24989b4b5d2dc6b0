import { planLookups, REQUESTS_PER_BATCH, VALUES_PER_REQUEST } from '../../src/adapters/graph/graphLookupPlan';
import type { DirectoryObjectRef, LookupFailure } from '../../src/domain/entraConfirmation';
import type { Directory, DirectoryAnswer, DirectoryLookup, DirectoryUser } from '../../src/ports/directory';

/**
 * A directory typed against the port whose users appear when the test says so, and whose lookups of chosen values
 * fail. Requests are formed as the Graph adapter forms them (15 values, 20 per call), and counted.
 */
export class FakeDirectory implements Directory {
    readonly refsPerRequest = VALUES_PER_REQUEST;
    readonly requestsPerCall = REQUESTS_PER_BATCH;
    private readonly users = new Map<string, DirectoryUser>();
    /** Values whose request fails (every object sharing the request with one fails with it, as on Graph). */
    readonly failing = new Map<string, LookupFailure>();
    /** Every value asked about, in order. */
    readonly asked: string[] = [];
    requests = 0;
    calls = 0;

    show(value: string, synced = true): void {
        this.users.set(value.toLowerCase(), {
            id: `id-${value}`,
            userPrincipalName: value,
            onPremisesImmutableId: null,
            onPremisesSyncEnabled: synced ? true : null,
            onPremisesLastSyncAt: synced ? 1 : null,
        });
    }

    hide(value: string): void {
        this.users.delete(value.toLowerCase());
    }

    /** How often a value was asked about. */
    askedAbout(value: string): number {
        return this.asked.filter((v) => v === value).length;
    }

    lookUp(groups: readonly (readonly DirectoryObjectRef[])[], maxRequests: number): Promise<DirectoryLookup> {
        const answers: DirectoryAnswer[][] = groups.map((g) => g.map((): DirectoryAnswer => ({ kind: 'notAsked' })));
        const plan = planLookups(groups).slice(0, Math.max(0, Math.min(maxRequests, REQUESTS_PER_BATCH)));
        for (const request of plan) {
            const refs = request.members.map((m) => groups[m.group]?.[m.index]);
            const failure = refs
                .map((r) => (r === undefined ? undefined : this.failing.get(r.value)))
                .find((f) => f !== undefined);
            request.members.forEach((m, i) => {
                const ref = refs[i];
                const row = answers[m.group];
                if (ref === undefined || row === undefined) return;
                this.asked.push(ref.value);
                const user = this.users.get(ref.value.toLowerCase());
                if (failure !== undefined) row[m.index] = { kind: 'failed', failure, retryAt: null };
                else row[m.index] = user === undefined ? { kind: 'absent' } : { kind: 'found', user };
            });
        }
        this.requests += plan.length;
        if (plan.length > 0) this.calls++;
        return Promise.resolve({ answers, requests: plan.length, calls: plan.length > 0 ? 1 : 0 });
    }
}
