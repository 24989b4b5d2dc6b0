import type { TelemetryClient } from 'applicationinsights';
import { describe, expect, it } from 'vitest';

import { type AppInsightsClient, appInsightsTelemetry } from '../../../src/adapters/appInsights/appInsightsTelemetry';
import { itemsFor } from '../../../src/adapters/appInsights/telemetryItems';

type ExceptionArgument = Parameters<TelemetryClient['trackException']>[0];

/** A client that records exceptions and refuses everything else (nothing else may be sent). */
function recordingClient(exceptions: ExceptionArgument[]): AppInsightsClient {
    const unexpected = (): never => {
        throw new Error('unexpected item');
    };
    return {
        trackEvent: unexpected,
        trackMetric: unexpected,
        trackAvailability: unexpected,
        trackDependency: unexpected,
        trackException: (item) => {
            exceptions.push(item);
        },
        flush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
    };
}

describe('dependency failures and ignored events in Application Insights (issue 13 items 13 and 2)', () => {
    it("a dependency failure is one exception item: the code as its name, the service's full text as its message", () => {
        const exceptions: ExceptionArgument[] = [];
        const telemetry = appInsightsTelemetry(recordingClient(exceptions), {
            log: { info: () => undefined, warn: () => undefined, error: () => undefined },
        });
        const detail =
            "The client 'x' with object id '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' … over scope '/subscriptions/…'";
        telemetry.trackDependencyFailure({
            name: 'Automation job.create',
            targetId: 'contoso',
            correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
            jobName: 'job-1',
            code: 'AUTOMATION_FORBIDDEN',
            statusCode: 403,
            detail,
        });
        expect(exceptions).toHaveLength(1);
        const [item] = exceptions;
        expect(item?.exception.name).toBe('AUTOMATION_FORBIDDEN');
        expect(item?.exception.message).toBe(detail);
        expect(item?.properties).toEqual({
            targetId: 'contoso',
            dependency: 'Automation job.create',
            jobName: 'job-1',
            code: 'AUTOMATION_FORBIDDEN',
            statusCode: '403',
            correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
        });
    });

    it('EventsIgnored is an event and an IgnoredEvents metric by type and source, outside any operation', () => {
        const items = itemsFor({
            type: 'EventsIgnored',
            format: 'eventGrid',
            eventType: 'Microsoft.Storage.BlobCreated',
            eventSource: `/subscriptions/s/${'x'.repeat(400)}`,
            count: 3,
        });
        expect(items.correlationId).toBeNull();
        expect(items.event.name).toBe('EventsIgnored');
        expect(items.event.measurements).toEqual({ count: 3 });
        expect(items.event.properties.eventSource?.length).toBe(256);
        expect(items.metrics).toEqual([{ name: 'IgnoredEvents', value: 3, properties: items.event.properties }]);
    });
});
