export * from './scalable';
export * from './triggers';
export * from './model';
export * from './auto-scaling-policy';
