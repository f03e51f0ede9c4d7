export * from './pushgateway';
export * from './grafana';
export * from './tenant-query-proxy';
export * from './monitoring-platform';
export * from './evaluation-tier';
export * from './sizing';
export * from './sharding';
