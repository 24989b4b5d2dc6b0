import type { EngineEvent } from '../domain/engineEvent';
import type { DirectoryObjectRef, NotVisibleReason } from '../domain/entraConfirmation';

/** The intake's own step, reported next to the engine's events. */
interface RequestAcceptedEvent {
    readonly type: 'RequestAccepted';
    readonly targetId: string;
    readonly requestId: string;
    readonly correlationId: string;
    readonly windowSeq: number;
    readonly changeCount: number;
    readonly urgentCount: number;
    readonly policy: 'Delta' | 'Initial';
    readonly source: 'http' | 'serviceBus' | 'confirmation';
    readonly duplicate: boolean;
}

/** A request that was refused, with its stable problem code; no payload. */
interface RequestRejectedEvent {
    readonly type: 'RequestRejected';
    readonly code: string;
    readonly status: number;
    readonly source: 'http' | 'serviceBus';
    readonly targetId?: string;
}

/**
 * Events of a type this service does not handle, acknowledged on an event path (Event Grid, CloudEvents) and not
 * submitted: one per event type and source of a request. The type and source are the producer's identifiers.
 */
interface EventsIgnoredEvent {
    readonly type: 'EventsIgnored';
    /** The intake format (`eventGrid`, `cloudEvents.batch`, …). */
    readonly format: string;
    readonly eventType: string;
    /** CloudEvents `source` or Event Grid `topic`; empty when the event had none. */
    readonly eventSource: string;
    readonly count: number;
}

/**
 * The Entra ID confirmation of one object of a request (ENTRA_CONFIRMATION=on). `objectRef` is the reference as the
 * change gave it (anchor or UPN): the telemetry adapter records it only as TELEMETRY_USER_IDENTIFIERS allows.
 */
interface EntraObjectEvent {
    readonly targetId: string;
    readonly requestId: string;
    readonly correlationId: string;
    readonly objectRef: string;
    readonly lookupBy: DirectoryObjectRef['by'];
    /** Extra runs it took (0: the request's own cycle carried it). */
    readonly extraRuns: number;
}

/** The object is in Entra ID; `changeToVisibleMs` is from acceptance of the change to the lookup that saw it. */
interface VisibleInEntraEvent extends EntraObjectEvent {
    readonly type: 'VisibleInEntra';
    readonly changeToVisibleMs: number;
}

/** The object is still not in Entra ID after the extra run: the request's final `NotVisibleInEntra` outcome. */
interface NotVisibleInEntraEvent extends EntraObjectEvent {
    readonly type: 'NotVisibleInEntra';
    readonly reason: NotVisibleReason;
}

export type TelemetryEvent =
    | EngineEvent
    | RequestAcceptedEvent
    | RequestRejectedEvent
    | EventsIgnoredEvent
    | VisibleInEntraEvent
    | NotVisibleInEntraEvent;

/** One call to a dependency (Automation), for dependency records. */
export interface DependencyCall {
    readonly name: string;
    readonly target: string;
    readonly targetId: string;
    readonly correlationId?: string;
    readonly durationMs: number;
    readonly success: boolean;
    readonly resultCode: string;
}

/**
 * The full text of a failed dependency call, for operators. It may name Azure resources and identities
 * (subscription, resource group, account, object ids), so it goes to telemetry only: a run's reason carries the
 * reader-facing `code` and a short sentence instead.
 */
export interface DependencyFailure {
    /** The call, as in dependency records (`Automation job.create`). */
    readonly name: string;
    readonly targetId: string;
    /** The window's correlation id when the caller knows it: the failure joins the window's operation. */
    readonly correlationId?: string;
    readonly jobName: string;
    /** The stable code the reader was given (`AUTOMATION_FORBIDDEN`, …). */
    readonly code: string;
    readonly statusCode?: number;
    /** The service's own text, unabridged: for telemetry only. */
    readonly detail: string;
}

/**
 * Reports what happened. Implementations must never throw into the sync path: a telemetry outage is
 * logged and swallowed.
 */
export interface Telemetry {
    track(event: TelemetryEvent): void;
    trackDependency(call: DependencyCall): void;
    /** The full detail of a dependency failure whose reader-facing reason was shortened to a code. */
    trackDependencyFailure(failure: DependencyFailure): void;
    /** Heartbeat from the reconcile timer: one per target per period. */
    trackHeartbeat(targetId: string, healthy: boolean, detail: string): void;
    flush(): Promise<void>;
}
