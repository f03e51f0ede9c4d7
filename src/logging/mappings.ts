// The client's request and mapping types, without the client (whose declarations need esModuleInterop).
import type * as estypes from '@elastic/elasticsearch/lib/api/types';

type Properties = Record<string, estypes.MappingProperty>;

const keyword: estypes.MappingProperty = { type: 'keyword', ignore_above: 1024 };
const object = (properties: Properties): estypes.MappingProperty => ({ type: 'object', properties });

/** Fields every log document has (ECS names): time, message, origin and trace correlation. */
const COMMON: Properties = {
  '@timestamp': { type: 'date' },
  message: { type: 'match_only_text' },
  service: object({ name: keyword, version: keyword }),
  trace: object({ id: keyword }),
  span: object({ id: keyword }),
  kubernetes: object({ namespace: keyword, pod: object({ name: keyword }), container: object({ name: keyword }) }),
};

/** Mappings of application logs (ECS subset); `user.id` makes them personal data under GDPR. */
export const APPLICATION_LOG_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    ...COMMON,
    log: object({ level: keyword, logger: keyword }),
    error: object({ type: keyword, message: { type: 'match_only_text' }, stack_trace: { type: 'wildcard' } }),
    http: object({ request: object({ method: keyword }), response: object({ status_code: { type: 'short' } }) }),
    url: object({ path: keyword }),
    user: object({ id: keyword }),
    labels: { type: 'flattened' },
  },
};

/** Mappings of audit events (who did what to which object, with what outcome). */
export const AUDIT_EVENT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    ...COMMON,
    event: object({ action: keyword, category: keyword, outcome: keyword, reason: { type: 'match_only_text' } }),
    user: object({ id: keyword, name: keyword, roles: keyword }),
    source: object({ ip: { type: 'ip' } }),
    object: object({ kind: keyword, name: keyword, namespace: keyword }),
    request: object({ id: keyword }),
    labels: { type: 'flattened' },
  },
};

const nestedKeyValues: estypes.MappingProperty = {
  type: 'nested',
  dynamic: false,
  properties: { key: keyword, value: keyword, type: keyword },
};

/** Mappings of Jaeger span documents (the layout Jaeger's Elasticsearch writer uses). */
export const TRACE_SPAN_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic_templates: [
    { span_tags_map: { path_match: 'tag.*', mapping: { type: 'keyword', ignore_above: 256 } } },
    { process_tags_map: { path_match: 'process.tag.*', mapping: { type: 'keyword', ignore_above: 256 } } },
  ],
  properties: {
    traceID: keyword,
    spanID: keyword,
    parentSpanID: keyword,
    operationName: keyword,
    flags: { type: 'integer' },
    startTime: { type: 'long' },
    startTimeMillis: { type: 'date', format: 'epoch_millis' },
    duration: { type: 'long' },
    process: { type: 'object', properties: { serviceName: keyword, tag: { type: 'object' }, tags: nestedKeyValues } },
    references: { type: 'nested', dynamic: false, properties: { refType: keyword, traceID: keyword, spanID: keyword } },
    tag: { type: 'object' },
    tags: nestedKeyValues,
    logs: { type: 'nested', dynamic: false, properties: { timestamp: { type: 'long' }, fields: nestedKeyValues } },
  },
};

/** Mappings of Jaeger service/operation documents. */
export const TRACE_SERVICE_MAPPINGS: estypes.MappingTypeMapping = {
  properties: { serviceName: keyword, operationName: keyword },
};
