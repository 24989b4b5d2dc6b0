export * from './renderStatusPage';
export * from './statusHandler';
export * from './statusModel';
