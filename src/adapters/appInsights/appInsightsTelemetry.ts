import type { TelemetryClient } from 'applicationinsights';

import type { Logger } from '../../ports/logger';
import type { DependencyCall, DependencyFailure, Telemetry, TelemetryEvent } from '../../ports/telemetry';
import { inOperation } from './operationContext';
import {
    dependencyFailureProperties,
    dependencyProperties,
    heartbeatItem,
    itemsFor,
    type ObjectReferencePolicy,
    type TelemetryItems,
} from './telemetryItems';

/** The part of the SDK's `TelemetryClient` this adapter uses; tests may pass a fake that throws. */
export type AppInsightsClient = Pick<
    TelemetryClient,
    'trackEvent' | 'trackMetric' | 'trackAvailability' | 'trackDependency' | 'trackException' | 'flush' | 'shutdown'
>;

/** Telemetry that can also be shut down (flush, then stop the exporters) when the process ends. */
export interface ClosableTelemetry extends Telemetry {
    shutdown(): Promise<void>;
}

export interface AppInsightsTelemetryOptions {
    readonly log: Logger;
    /** `runLocation` of availability records. */
    readonly runLocation?: string;
    /** What may be recorded of object references (TELEMETRY_USER_IDENTIFIERS); default: nothing. */
    readonly objectReference?: ObjectReferencePolicy;
}

/** Logs the first few failures, then one in a hundred: a telemetry outage must not flood the logs either. */
function failureLogger(log: Logger): (what: string, e: unknown) => void {
    let failures = 0;
    return (what, e) => {
        failures++;
        if (failures <= 5 || failures % 100 === 0) {
            const message = e instanceof Error ? e.message : String(e);
            log.warn(`Telemetry ${what} failed (${failures} failures so far): ${message}`);
        }
    };
}

/**
 * The {@link Telemetry} port on an Application Insights `TelemetryClient`. Every method catches and logs:
 * telemetry never breaks the sync path.
 * @param client - a client created with `useGlobalProviders: false`
 * @param options - logger and availability location
 */
export function appInsightsTelemetry(
    client: AppInsightsClient,
    options: AppInsightsTelemetryOptions,
): ClosableTelemetry {
    const failed = failureLogger(options.log);
    const runLocation = options.runLocation ?? 'entra-sync-trigger';
    const objectReference = options.objectReference ?? (() => undefined);

    function send(items: TelemetryItems): void {
        inOperation(items.correlationId, () => {
            client.trackEvent({
                name: items.event.name,
                properties: items.event.properties,
                measurements: items.event.measurements,
            });
            for (const m of items.metrics)
                client.trackMetric({ name: m.name, value: m.value, properties: m.properties });
            const a = items.availability;
            if (a !== null) {
                client.trackAvailability({
                    id: '',
                    name: a.name,
                    success: a.success,
                    duration: a.durationMs,
                    runLocation,
                    message: a.message,
                    properties: a.properties,
                    measurements: a.measurements,
                });
            }
        });
    }

    return {
        track(event: TelemetryEvent): void {
            try {
                send(itemsFor(event, objectReference));
            } catch (e) {
                failed(`event ${event.type}`, e);
            }
        },
        trackDependency(call: DependencyCall): void {
            try {
                inOperation(call.correlationId ?? null, () =>
                    client.trackDependency({
                        name: call.name,
                        target: call.target,
                        dependencyTypeName: 'Azure Automation',
                        data: call.name,
                        duration: call.durationMs,
                        resultCode: call.resultCode,
                        success: call.success,
                        properties: dependencyProperties(call),
                    }),
                );
            } catch (e) {
                failed(`dependency ${call.name}`, e);
            }
        },
        trackDependencyFailure(failure: DependencyFailure): void {
            try {
                // An exception item in the window's operation: searchable by operation id, code and target.
                const exception = new Error(failure.detail);
                exception.name = failure.code;
                inOperation(failure.correlationId ?? null, () =>
                    client.trackException({ exception, properties: dependencyFailureProperties(failure) }),
                );
            } catch (e) {
                failed(`dependency failure ${failure.name}`, e);
            }
        },
        trackHeartbeat(targetId: string, healthy: boolean, detail: string): void {
            try {
                const item = heartbeatItem(targetId, healthy, detail);
                inOperation(null, () => client.trackEvent(item));
            } catch (e) {
                failed('heartbeat', e);
            }
        },
        async flush(): Promise<void> {
            try {
                await client.flush();
            } catch (e) {
                failed('flush', e);
            }
        },
        async shutdown(): Promise<void> {
            try {
                await client.shutdown();
            } catch (e) {
                failed('shutdown', e);
            }
        },
    };
}
