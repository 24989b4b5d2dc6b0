import { classifyOutcome } from '../../domain/cycleOutcome';
import type { RunSummary } from '../../domain/targetState';
import type { DependencyCall, DependencyFailure, TelemetryEvent } from '../../ports/telemetry';

/** String dimensions of an item (`customDimensions`). Only ids, counts as text, enums and plain reasons. */
export type ItemProperties = Readonly<Record<string, string>>;
/** Numeric values of an item (`customMeasurements`). */
type ItemMeasurements = Readonly<Record<string, number>>;

/** A custom event (`customEvents`). */
export interface EventItem {
    readonly name: string;
    readonly properties: ItemProperties;
    readonly measurements: ItemMeasurements;
}

/** One value of a custom metric (`customMetrics`). */
interface MetricItem {
    readonly name: string;
    readonly value: number;
    readonly properties: ItemProperties;
}

/** One availability result (`availabilityResults`): one per finished sync cycle. */
interface AvailabilityItem {
    readonly name: string;
    readonly success: boolean;
    readonly durationMs: number;
    readonly message: string;
    readonly properties: ItemProperties;
    readonly measurements: ItemMeasurements;
}

/** Everything one port call turns into; all items share the correlation id (the operation id), if any. */
export interface TelemetryItems {
    readonly correlationId: string | null;
    readonly event: EventItem;
    readonly metrics: readonly MetricItem[];
    readonly availability: AvailabilityItem | null;
}

/** Metric names, shared with the workbook, the alerts and docs/MONITORING.md. */
const METRIC = {
    changesPerWindow: 'ChangesPerWindow',
    changeToJobStartMs: 'ChangeToJobStartMs',
    urgentChangeToJobStartMs: 'UrgentChangeToJobStartMs',
    changeToCycleEndMs: 'ChangeToCycleEndMs',
    urgentChangeToCycleEndMs: 'UrgentChangeToCycleEndMs',
    cycleDurationMs: 'CycleDurationMs',
    exportErrors: 'ExportErrors',
    /** 1 per finished run; summed per hour it is "runs per hour" (a count, never a rate guessed in process). */
    runsCompleted: 'RunsCompleted',
    /** Events of types we do not handle, acknowledged on an event path; by `eventType` and `eventSource`. */
    ignoredEvents: 'IgnoredEvents',
    /** ENTRA_CONFIRMATION=on: from acceptance of a change to the lookup that saw its object in Entra ID. */
    changeToVisibleInEntraMs: 'ChangeToVisibleInEntraMs',
} as const;

/**
 * What telemetry may record of an object reference (TELEMETRY_USER_IDENTIFIERS applied): the value to put in
 * `objectRef`, or undefined to leave the property out.
 */
export type ObjectReferencePolicy = (value: string) => string | undefined;

/** The default: no object references at all. */
const NO_OBJECT_REFERENCES: ObjectReferencePolicy = () => undefined;

/** Availability test name of a target's sync cycles. */
const availabilityName = (targetId: string): string => `SyncCycle ${targetId}`;

/** Event name of the reconcile timer's heartbeat. */
const HEARTBEAT_EVENT = 'Heartbeat';

/** Reasons are plain language from the engine or the runbook; capped so a runaway message cannot bloat items. */
const MAX_REASON_LENGTH = 512;

/** Producer identifiers (an event type, a source URI) are capped shorter. */
const MAX_IDENTIFIER_LENGTH = 256;

function reasonText(reason: string | null | undefined, max = MAX_REASON_LENGTH): string {
    if (reason === null || reason === undefined) return '';
    return reason.length > max ? `${reason.slice(0, max - 1)}…` : reason;
}

function flowItems(
    correlationId: string,
    name: string,
    properties: Record<string, string>,
    measurements: Record<string, number> = {},
    metrics: readonly MetricItem[] = [],
    availability: AvailabilityItem | null = null,
): TelemetryItems {
    return {
        correlationId,
        event: { name, properties: { ...properties, correlationId }, measurements },
        metrics,
        availability,
    };
}

function metric(name: string, value: number, targetId: string, correlationId: string, extra = {}): MetricItem {
    return { name, value, properties: { targetId, correlationId, ...extra } };
}

/**
 * Availability counts a cycle as available when it ran and synced: `Succeeded`, and also
 * `CompletedWithExportErrors` (the cycle ran; export errors are object-level data problems, reported and alerted
 * on separately). A skip (staging mode, scheduler suspended) synced nothing, so it is unavailable.
 * @param run - the finished run
 */
export function cycleAvailable(run: RunSummary): boolean {
    const outcomeClass = classifyOutcome(run.report.outcome);
    return outcomeClass === 'succeeded' || outcomeClass === 'partiallySucceeded';
}

function runCompleted(event: Extract<TelemetryEvent, { type: 'RunCompleted' }>): TelemetryItems {
    const { run, targetId, correlationId } = event;
    const { outcome, exportErrors } = run.report;
    const reason = run.report.reason ?? null;
    const common = {
        targetId,
        seq: String(run.seq),
        policy: run.tally.policy,
        outcome,
        outcomeClass: classifyOutcome(outcome),
        jobName: run.job?.name ?? '',
        lastStatus: run.job?.lastStatus ?? '',
        reason: reasonText(reason),
        // The engine let a job go without its stop confirmed: it may still be running on the worker.
        ...(run.report.stop === undefined ? {} : { stop: run.report.stop }),
    };
    const measurements: Record<string, number> = {
        attempts: run.attempts,
        changeCount: run.tally.changeCount,
        urgentCount: run.tally.urgentCount,
        requestCount: run.tally.requestCount,
        exportErrors,
        changeToCycleEndMs: event.changeToCycleEndMs,
    };
    if (event.urgentToCycleEndMs !== null) measurements.urgentToCycleEndMs = event.urgentToCycleEndMs;
    if (event.cycleDurationMs !== null) measurements.cycleDurationMs = event.cycleDurationMs;
    const metrics: MetricItem[] = [
        metric(METRIC.runsCompleted, 1, targetId, correlationId, { outcome }),
        metric(METRIC.exportErrors, exportErrors, targetId, correlationId),
        metric(METRIC.changeToCycleEndMs, event.changeToCycleEndMs, targetId, correlationId),
    ];
    if (event.urgentToCycleEndMs !== null) {
        metrics.push(metric(METRIC.urgentChangeToCycleEndMs, event.urgentToCycleEndMs, targetId, correlationId));
    }
    if (event.cycleDurationMs !== null) {
        metrics.push(metric(METRIC.cycleDurationMs, event.cycleDurationMs, targetId, correlationId, { outcome }));
    }
    const availability: AvailabilityItem = {
        name: availabilityName(targetId),
        success: cycleAvailable(run),
        // A run that never got a job (StartFailed) has no cycle duration: its window-close-to-end time stands in.
        durationMs: Math.max(0, event.cycleDurationMs ?? run.endedAt - run.windowClosedAt),
        message: reason === null ? outcome : `${outcome}: ${reasonText(reason)}`,
        properties: { ...common, correlationId },
        measurements: { exportErrors, changeCount: run.tally.changeCount },
    };
    return flowItems(correlationId, 'RunCompleted', common, measurements, metrics, availability);
}

/**
 * Turns one port event into the items Application Insights receives. Pure: no SDK, no clock.
 * Only ids, counts, enums and plain-language reasons are copied; never payloads. Object references only through
 * `objectReference` (TELEMETRY_USER_IDENTIFIERS): absent, keyed hash or as sent.
 * @param event - what happened
 * @param objectReference - what may be recorded of an object reference
 */
export function itemsFor(
    event: TelemetryEvent,
    objectReference: ObjectReferencePolicy = NO_OBJECT_REFERENCES,
): TelemetryItems {
    switch (event.type) {
        case 'VisibleInEntra':
        case 'NotVisibleInEntra': {
            const properties: Record<string, string> = {
                targetId: event.targetId,
                requestId: event.requestId,
                lookupBy: event.lookupBy,
            };
            const objectRef = objectReference(event.objectRef);
            if (objectRef !== undefined) properties.objectRef = objectRef;
            if (event.type === 'NotVisibleInEntra') {
                properties.reason = event.reason;
                return flowItems(event.correlationId, event.type, properties, { extraRuns: event.extraRuns });
            }
            return flowItems(
                event.correlationId,
                event.type,
                properties,
                { extraRuns: event.extraRuns, changeToVisibleMs: event.changeToVisibleMs },
                [metric(METRIC.changeToVisibleInEntraMs, event.changeToVisibleMs, event.targetId, event.correlationId)],
            );
        }
        case 'RequestAccepted':
            return flowItems(
                event.correlationId,
                event.type,
                {
                    targetId: event.targetId,
                    requestId: event.requestId,
                    seq: String(event.windowSeq),
                    policy: event.policy,
                    source: event.source,
                    duplicate: String(event.duplicate),
                },
                { changeCount: event.changeCount, urgentCount: event.urgentCount },
            );
        case 'RequestRejected': {
            // A refused request never reached a window: no correlation id, no operation.
            const properties: Record<string, string> = {
                code: event.code,
                status: String(event.status),
                source: event.source,
            };
            if (event.targetId !== undefined) properties.targetId = event.targetId;
            return {
                correlationId: null,
                event: { name: event.type, properties, measurements: {} },
                metrics: [],
                availability: null,
            };
        }
        case 'EventsIgnored': {
            // Outside any window, like a refusal. The type and source are producer identifiers, capped in length.
            const properties = {
                format: event.format,
                eventType: reasonText(event.eventType, MAX_IDENTIFIER_LENGTH),
                eventSource: reasonText(event.eventSource, MAX_IDENTIFIER_LENGTH),
            };
            return {
                correlationId: null,
                event: { name: event.type, properties, measurements: { count: event.count } },
                metrics: [{ name: METRIC.ignoredEvents, value: event.count, properties }],
                availability: null,
            };
        }
        case 'WindowOpened':
            return flowItems(event.correlationId, event.type, {
                targetId: event.targetId,
                seq: String(event.seq),
                policy: event.policy,
                urgent: String(event.urgent),
                lead: String(event.lead),
            });
        case 'WindowClosed':
            return flowItems(
                event.correlationId,
                event.type,
                {
                    targetId: event.targetId,
                    seq: String(event.seq),
                    policy: event.policy,
                    queuedBehindRun: String(event.queuedBehindRun),
                },
                {
                    changeCount: event.changeCount,
                    urgentCount: event.urgentCount,
                    requestCount: event.requestCount,
                    openMs: event.openMs,
                },
                [metric(METRIC.changesPerWindow, event.changeCount, event.targetId, event.correlationId)],
            );
        case 'JobStarted': {
            const measurements: Record<string, number> = {
                attempt: event.attempt,
                changeToJobStartMs: event.changeToJobStartMs,
            };
            const metrics = [
                metric(METRIC.changeToJobStartMs, event.changeToJobStartMs, event.targetId, event.correlationId),
            ];
            if (event.urgentToJobStartMs !== null) {
                measurements.urgentToJobStartMs = event.urgentToJobStartMs;
                metrics.push(
                    metric(
                        METRIC.urgentChangeToJobStartMs,
                        event.urgentToJobStartMs,
                        event.targetId,
                        event.correlationId,
                    ),
                );
            }
            return flowItems(
                event.correlationId,
                event.type,
                { targetId: event.targetId, seq: String(event.seq), jobName: event.jobName, policy: event.policy },
                measurements,
                metrics,
            );
        }
        case 'JobStartFailed':
            return flowItems(
                event.correlationId,
                event.type,
                {
                    targetId: event.targetId,
                    seq: String(event.seq),
                    transient: String(event.transient),
                    willRetry: String(event.willRetry),
                    reason: reasonText(event.reason),
                },
                { attempt: event.attempt },
            );
        case 'WorkerOffline':
            return flowItems(
                event.correlationId,
                event.type,
                { targetId: event.targetId, seq: String(event.seq), jobName: event.jobName, status: event.status },
                { queuedMs: event.queuedMs },
            );
        case 'JobNeedsAttention':
            return flowItems(event.correlationId, event.type, {
                targetId: event.targetId,
                seq: String(event.seq),
                jobName: event.jobName,
                status: event.status,
            });
        case 'JobStopRequested':
            return flowItems(event.correlationId, event.type, {
                targetId: event.targetId,
                seq: String(event.seq),
                jobName: event.jobName,
                reason: event.reason,
            });
        case 'RunRetried':
            return flowItems(
                event.correlationId,
                event.type,
                { targetId: event.targetId, seq: String(event.seq), previousOutcome: event.previousOutcome },
                { attempt: event.attempt },
            );
        case 'RunCompleted':
            return runCompleted(event);
    }
}

/**
 * Properties of a dependency record: the target, the correlation id when the caller knows it, and the Automation
 * account/runbook and result code (the exporter keeps `resultCode` and `target` only for HTTP/DB/RPC dependencies,
 * so they are repeated here).
 */
export function dependencyProperties(call: DependencyCall): ItemProperties {
    const properties: Record<string, string> = {
        targetId: call.targetId,
        dependencyTarget: call.target,
        resultCode: call.resultCode,
    };
    if (call.correlationId !== undefined) properties.correlationId = call.correlationId;
    return properties;
}

/**
 * Dimensions of the exception item that keeps a dependency failure's full text (the text is its message).
 * @param failure - the failure
 */
export function dependencyFailureProperties(failure: DependencyFailure): ItemProperties {
    const properties: Record<string, string> = {
        targetId: failure.targetId,
        dependency: failure.name,
        jobName: failure.jobName,
        code: failure.code,
    };
    if (failure.statusCode !== undefined) properties.statusCode = String(failure.statusCode);
    if (failure.correlationId !== undefined) properties.correlationId = failure.correlationId;
    return properties;
}

/**
 * The heartbeat event of one target.
 * @param targetId - the target
 * @param healthy - what reconcile concluded
 * @param detail - plain-language detail (no payloads)
 */
export function heartbeatItem(targetId: string, healthy: boolean, detail: string): EventItem {
    return {
        name: HEARTBEAT_EVENT,
        properties: { targetId, healthy: String(healthy), detail: reasonText(detail) },
        measurements: { healthy: healthy ? 1 : 0 },
    };
}
