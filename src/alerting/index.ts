export * from './secret-ref';
export * from './templates';
export * from './receivers';
export * from './model';
export * from './escalation';
export * from './alert-routing';
