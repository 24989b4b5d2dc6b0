import { gzipSync } from 'node:zlib';

import type { FinishedRunStatus } from '../../app/statusModel';
import type { AutomationTarget } from '../../domain/target';
import { traceIdFor } from '../../ports/correlation';

/** What the status links to in the Azure portal; known at deploy time (infra sets them). */
export interface PortalLinkSettings {
    /** The portal's origin, e.g. `https://portal.azure.com` (sovereign clouds have their own). */
    readonly portalUrl: string;
    /** The directory the links open in (`#@<tenant>`); null: the user's default directory. */
    readonly tenantId: string | null;
    /** The Application Insights component's resource id; null: no telemetry links. */
    readonly appInsightsResourceId: string | null;
}

/** Where the automation coordinates of a run's job come from. */
export type JobLocation = Pick<AutomationTarget, 'subscriptionId' | 'resourceGroup' | 'automationAccount' | 'runbook'>;

/** Slack around a run's telemetry: requests are accepted before the window closes, items arrive late. */
const QUERY_MARGIN_MS = 10 * 60_000;

function portalHash(settings: PortalLinkSettings): string {
    const tenant = settings.tenantId === null ? '' : `@${encodeURIComponent(settings.tenantId)}/`;
    return `${settings.portalUrl}/#${tenant}`;
}

/**
 * The telemetry query behind the link: every item of the run's operation (its correlation id in trace-id form,
 * the same rule the telemetry adapter and the runbook parameter use), oldest first.
 * @param operationId - 32 hex digits
 */
export function operationQuery(operationId: string): string {
    return [
        'union requests, dependencies, customEvents, customMetrics, traces, exceptions, availabilityResults',
        `| where operation_Id == "${operationId}"`,
        '| order by timestamp asc',
    ].join('\n');
}

/**
 * A link that opens Logs on the Application Insights component with the run's operation query, over the run's
 * time span. The `q/` segment is the portal's own "copy link to query" form: the query gzip-compressed,
 * base64-encoded, then URL-encoded.
 * @param settings - portal settings with the component id
 * @param run - the run
 */
export function operationLink(settings: PortalLinkSettings, run: FinishedRunStatus): string | null {
    if (settings.appInsightsResourceId === null) return null;
    const ended = Date.parse(run.endedAt);
    const from = new Date(ended - run.waitSeconds * 1000 - QUERY_MARGIN_MS).toISOString();
    const to = new Date(ended + QUERY_MARGIN_MS).toISOString();
    const query = gzipSync(Buffer.from(operationQuery(traceIdFor(run.correlationId)), 'utf8')).toString('base64');
    return (
        `${portalHash(settings)}blade/Microsoft_Azure_Monitoring_Logs/LogsBlade/resourceId/` +
        `${encodeURIComponent(settings.appInsightsResourceId)}/source/LogsBlade.AnalyticsShareLinkToQuery/q/` +
        `${encodeURIComponent(query)}/timespan/${encodeURIComponent(`${from}/${to}`)}`
    );
}

/**
 * A link to the Automation job in the portal (its job dashboard, which shows status, output, errors and all
 * streams), or null when the run never created a job.
 * @param settings - portal settings
 * @param target - where the target's jobs run
 * @param jobName - the job's name (a GUID)
 */
export function jobLink(settings: PortalLinkSettings, target: JobLocation, jobName: string | null): string | null {
    if (jobName === null) return null;
    const account =
        `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}` +
        `/providers/Microsoft.Automation/automationAccounts/${target.automationAccount}`;
    return (
        `${portalHash(settings)}blade/Microsoft_Azure_Automation/JobDashboardBladeV2/jobResourceId/` +
        `${encodeURIComponent(`${account}/jobs/${jobName}`)}/runbookResourceId/` +
        `${encodeURIComponent(`${account}/runbooks/${target.runbook}`)}`
    );
}
