export * from './tenant-namespace';
export * from './tenant-monitoring-stack';
