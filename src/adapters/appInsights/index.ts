export * from './appInsightsTelemetry';
export * from './cloudRoleName';
export * from './createAppInsightsTelemetry';
export * from './operationId';
export * from './telemetryItems';
export * from './userIdentifiers';
