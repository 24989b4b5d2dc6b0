import type { SimulatedConnectServer } from '../adapters/simulatedConnect/connectServer';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Telemetry, TelemetryEvent } from '../ports/telemetry';

function time(clock: Clock): string {
    return new Date(clock.now()).toISOString().slice(11, 19);
}

function seconds(ms: number | null): string {
    return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One readable line per step, or null for events not worth a line. No payloads: counts, ids and outcomes.
 * @param event - the telemetry event
 */
function describeEvent(event: TelemetryEvent): string | null {
    switch (event.type) {
        case 'RequestAccepted':
            return `${event.targetId}: request ${event.requestId} accepted${event.duplicate ? ' (duplicate)' : ''}: ${event.changeCount} change(s), ${event.urgentCount} urgent, ${event.policy} → window #${event.windowSeq}`;
        case 'RequestRejected':
            return `request rejected: ${event.code} (${event.status})`;
        case 'EventsIgnored':
            return `${event.count} event(s) of type ${event.eventType} acknowledged and ignored (not a change type)`;
        case 'WindowOpened':
            return `${event.targetId}: window #${event.seq} opened (${event.policy}${event.urgent ? ', urgent' : ''}${event.lead ? ', starts at once' : ''})`;
        case 'WindowClosed':
            return `${event.targetId}: window #${event.seq} closed after ${seconds(event.openMs)}: ${event.changeCount} change(s) from ${event.requestCount} request(s), ${event.policy}${event.queuedBehindRun ? ', its job queued behind the running one' : ''}`;
        case 'JobStarted':
            return `${event.targetId}: job started for run #${event.seq} (attempt ${event.attempt}, ${event.policy}) ${seconds(event.changeToJobStartMs)} after the first change`;
        case 'JobStartFailed':
            return `${event.targetId}: job start failed for run #${event.seq}${event.willRetry ? ', will retry' : ''}: ${event.reason}`;
        case 'WorkerOffline':
            return `${event.targetId}: Hybrid Worker offline? job of run #${event.seq} queued for ${seconds(event.queuedMs)}`;
        case 'JobNeedsAttention':
            return `${event.targetId}: job of run #${event.seq} needs attention (${event.status})`;
        case 'JobStopRequested':
            return `${event.targetId}: stopping job of run #${event.seq} (${event.reason})`;
        case 'RunRetried':
            return `${event.targetId}: run #${event.seq} retried (attempt ${event.attempt}) after ${event.previousOutcome}`;
        case 'RunCompleted':
            return `${event.targetId}: run #${event.run.seq} ended ${event.run.report.outcome}: cycle ended ${seconds(event.changeToCycleEndMs)} after the first change (cycle ${seconds(event.cycleDurationMs)}, ${event.run.tally.changeCount} change(s))`;
        case 'VisibleInEntra':
            return `${event.targetId}: request ${event.requestId}: object confirmed in Entra ID ${seconds(event.changeToVisibleMs)} after the change${event.extraRuns > 0 ? ` (after ${event.extraRuns} extra run)` : ''}`;
        case 'NotVisibleInEntra':
            return `${event.targetId}: request ${event.requestId}: object NOT in Entra ID after ${event.extraRuns} extra run(s): ${event.reason}`;
    }
}

/**
 * Wraps the telemetry port for the local host: prints the timeline and tells the simulated Connect server
 * about accepted changes (the AD side of the simulation), then passes everything on.
 * @param inner - the real telemetry (App Insights when configured, else none)
 */
export function timelineTelemetry(
    inner: Telemetry,
    deps: { readonly clock: Clock; readonly log: Logger; readonly simulation: SimulatedConnectServer | null },
): Telemetry {
    return {
        track(event) {
            if (event.type === 'RequestAccepted' && !event.duplicate) deps.simulation?.recordChanges(event.changeCount);
            const line = describeEvent(event);
            if (line !== null) deps.log.info(`${time(deps.clock)} ${line}`);
            inner.track(event);
        },
        trackDependency: (call) => inner.trackDependency(call),
        trackDependencyFailure: (failure) => inner.trackDependencyFailure(failure),
        trackHeartbeat: (targetId, healthy, detail) => inner.trackHeartbeat(targetId, healthy, detail),
        flush: () => inner.flush(),
    };
}
