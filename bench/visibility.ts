import { seededRandom } from '../src/adapters/simulatedConnect/random';
import type { DirectoryObjectRef } from '../src/domain/entraConfirmation';

/**
 * How long a joiner takes to reach the domain controller the Entra Connect server reads, once HR created it on
 * some DC. A joiner is visible in Entra ID when the first exporting cycle whose import started at or after that
 * moment ends (the simulated directory's rule, src/adapters/simulatedDirectory/simulatedDirectory.ts).
 *
 * Why these values (see /work/shared/reference/prior-art.md, "AD replication"):
 * - Inside a site, AD replicates by change notification: the originating DC waits 15 s, then notifies its partners
 *   3 s apart, so a DC in the same site has the object 15–45 s after it was made. HR tools write to whatever DC
 *   their locator picks, rarely the one Entra Connect reads, so every joiner gets this lag (the bench never assumes
 *   the lucky case of the same DC).
 * - Between sites, replication follows the site link's schedule: 180 min by default, 15 min at the shortest, which
 *   is what organisations that care about joiners set. A joiner made in a branch site waits for the next scheduled
 *   replication (uniform over the interval) on top of the intra-site hops. One joiner in ten is made that way
 *   (a branch office's help desk, an HR connector pointed at a regional DC): an assumption, stated in the output.
 */
export interface ReplicationModel {
    readonly sameSiteMinMs: number;
    readonly sameSiteMaxMs: number;
    /** Share of joiners made on a DC in another site than the Connect server's DC. */
    readonly crossSiteRate: number;
    /** Inter-site replication interval of the site link (the wait is uniform over it). */
    readonly siteLinkIntervalMs: number;
}

export const BENCH_REPLICATION: ReplicationModel = Object.freeze({
    sameSiteMinMs: 15_000,
    sameSiteMaxMs: 45_000,
    crossSiteRate: 0.1,
    siteLinkIntervalMs: 15 * 60_000,
});

/** One joiner's trip to the Connect server's DC. */
export interface JoinerReplication {
    readonly ref: DirectoryObjectRef;
    readonly lagMs: number;
    readonly crossSite: boolean;
}

/**
 * The replication of each joiner of a trace, seeded, so every strategy on the trace sees the same lags. A joiner is
 * named by a UPN (what an HR request carries), unique within the trace.
 * @param joiners - how many joiners the trace has, in trace order
 * @param seed - the trace's seed
 * @param model - the replication model
 */
export function joinerReplications(joiners: number, seed: number, model: ReplicationModel): JoinerReplication[] {
    // A stream of its own (not the trace's), so that adding the model moved no trace.
    const random = seededRandom(seed ^ 0x5eed_1a9);
    return Array.from({ length: joiners }, (_, i) => {
        const sameSite = model.sameSiteMinMs + random.int(model.sameSiteMaxMs - model.sameSiteMinMs + 1);
        const crossSite = random.chance(model.crossSiteRate);
        const wait = random.int(model.siteLinkIntervalMs + 1);
        return {
            ref: { by: 'userPrincipalName', value: `joiner-${i + 1}@contoso.example` },
            lagMs: sameSite + (crossSite ? wait : 0),
            crossSite,
        };
    });
}
