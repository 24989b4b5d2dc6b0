export * from './manualClock';
export * from './memoryAutomationJobs';
export * from './memoryRequestStore';
export * from './memoryTargetStateStore';
export * from './memoryTelemetry';
export * from './memoryWakeScheduler';
