export * from './secret-ref';
export * from './pushgateway';
export * from './grafana';
export * from './monitoring-platform';
