// The public API of cdk8s-tenant-monitoring. Everything a user imports comes from here.
export * from './core';
export * from './prometheus';
export * from './tenancy';
export * from './platform';
export * from './scaling';
export * from './ml/drift-method';
export * from './ml/model';
export * from './ml/runtime-cron-job';
export * from './ml/ml-jobs';
export * from './alerting';
export * from './prometheus/slo';
export * from './prometheus/packs';
export { LabelMatcher, MatcherSyntaxError, matchesAll, matchesOne, parseMatcher, renderMatcher } from './remediation/matcher';
export * from './remediation/policy';
export * from './remediation/remediation-controller';
