export * from './pushgateway';
export * from './grafana';
export * from './monitoring-platform';
