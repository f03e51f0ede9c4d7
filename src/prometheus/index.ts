export * from './model';
export * from './tenant-matcher';
export * from './prometheus-rules';
export * from './control-plane';
