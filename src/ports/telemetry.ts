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
    EngineEvent | RequestAcceptedEvent | RequestRejectedEvent | VisibleInEntraEvent | NotVisibleInEntraEvent;

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
 * Reports what happened. Implementations must never throw into the sync path: a telemetry outage is
 * logged and swallowed.
 */
export interface Telemetry {
    track(event: TelemetryEvent): void;
    trackDependency(call: DependencyCall): void;
    /** Heartbeat from the reconcile timer: one per target per period. */
    trackHeartbeat(targetId: string, healthy: boolean, detail: string): void;
    flush(): Promise<void>;
}
