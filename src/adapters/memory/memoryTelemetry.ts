import type { DependencyCall, DependencyFailure, Telemetry, TelemetryEvent } from '../../ports/telemetry';

/** Records telemetry in memory; the sandbox and tests read it back. */
export class MemoryTelemetry implements Telemetry {
    readonly events: TelemetryEvent[] = [];
    readonly dependencies: DependencyCall[] = [];
    readonly dependencyFailures: DependencyFailure[] = [];
    readonly heartbeats: { targetId: string; healthy: boolean; detail: string }[] = [];

    track(event: TelemetryEvent): void {
        this.events.push(event);
    }

    trackDependency(call: DependencyCall): void {
        this.dependencies.push(call);
    }

    trackDependencyFailure(failure: DependencyFailure): void {
        this.dependencyFailures.push(failure);
    }

    trackHeartbeat(targetId: string, healthy: boolean, detail: string): void {
        this.heartbeats.push({ targetId, healthy, detail });
    }

    flush(): Promise<void> {
        return Promise.resolve();
    }

    ofType<T extends TelemetryEvent['type']>(type: T): Extract<TelemetryEvent, { type: T }>[] {
        return this.events.filter((e): e is Extract<TelemetryEvent, { type: T }> => e.type === type);
    }
}

/** Telemetry that goes nowhere, when no connection string is set. */
export const noTelemetry: Telemetry = {
    track: () => undefined,
    trackDependency: () => undefined,
    trackDependencyFailure: () => undefined,
    trackHeartbeat: () => undefined,
    flush: () => Promise.resolve(),
};
