export * from './manualClock';
export * from './memoryAutomationJobs';
export * from './memoryInvalidMessageSink';
export * from './memoryRequestStore';
export * from './memoryTargetStateStore';
export * from './memoryTelemetry';
export * from './memoryWakeScheduler';
