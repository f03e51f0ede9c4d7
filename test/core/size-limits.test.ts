import * as fc from 'fast-check';
import {
  ANNOTATIONS_MAX_BYTES, assertAnnotationFits, assertConfigMapFits, CONFIGMAP_MAX_BYTES, configMapDataBytes, goJson,
  LAST_APPLIED_ANNOTATION, lastAppliedAnnotationBytes,
} from '../../src/core/size-limits';

const configMap = (annotations: Record<string, string> | undefined, value: string) => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'monitoring', ...(annotations ? { annotations } : {}) }, data: { 'a.json': value },
});

describe('size limits', () => {
  test('the limits are the API server\'s: 1 MiB of ConfigMap data, 256 KiB of annotations', () => {
    expect(CONFIGMAP_MAX_BYTES).toBe(1024 * 1024);
    expect(ANNOTATIONS_MAX_BYTES).toBe(256 * 1024);
  });

  test('ConfigMap data counts UTF-8 bytes of the values and decoded bytes of binaryData, not the keys', () => {
    expect(configMapDataBytes({ 'long-key-name.json': 'abc', b: 'é€' })).toBe(3 + 2 + 3);
    expect(configMapDataBytes({}, { 'bin': Buffer.from([1, 2, 3, 4, 5]).toString('base64') })).toBe(5);
  });

  test('a ConfigMap exactly at the limit passes; one byte more fails with the sizes', () => {
    expect(assertConfigMapFits('app/x', 'monitoring/big', { a: 'x'.repeat(CONFIGMAP_MAX_BYTES) })).toBe(CONFIGMAP_MAX_BYTES);
    expect(() => assertConfigMapFits('app/x', 'monitoring/big', { a: 'x'.repeat(CONFIGMAP_MAX_BYTES - 1), b: 'é' }))
      .toThrow('app/x: ConfigMap monitoring/big data (bytes): got 1048577 (split the content over several objects (for dashboards: fewer panels per dashboard)); allowed: at most 1048576 bytes (1 MiB, the API server\'s ConfigMap limit)');
  });

  test('the last-applied annotation is the object as Go encodes it, plus a newline, plus the other annotations', () => {
    const obj = configMap({ grafana_folder: 'ACME' }, 'up > 0 && <b>');
    const applied = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big","namespace":"monitoring","annotations":{"grafana_folder":"ACME"}},"data":{"a.json":"up \\u003e 0 \\u0026\\u0026 \\u003cb\\u003e"}}\n';
    expect(lastAppliedAnnotationBytes(obj)).toBe(LAST_APPLIED_ANNOTATION.length + applied.length + 'grafana_folder'.length + 'ACME'.length);
    // An existing last-applied annotation is replaced, not counted twice.
    expect(lastAppliedAnnotationBytes(configMap({ grafana_folder: 'ACME', [LAST_APPLIED_ANNOTATION]: 'x'.repeat(1000) }, 'up > 0 && <b>'))).toBe(lastAppliedAnnotationBytes(obj));
  });

  test('an object whose annotations land exactly on the limit passes; one byte more fails with the sizes', () => {
    const base = lastAppliedAnnotationBytes(configMap(undefined, ''));
    const fits = configMap(undefined, 'x'.repeat(ANNOTATIONS_MAX_BYTES - base));
    expect(assertAnnotationFits('app/x', fits)).toBe(ANNOTATIONS_MAX_BYTES);
    expect(() => assertAnnotationFits('app/x', configMap(undefined, 'x'.repeat(ANNOTATIONS_MAX_BYTES - base + 1))))
      .toThrow(`app/x: ConfigMap monitoring/big annotations with ${LAST_APPLIED_ANNOTATION} (bytes): got 262145 (apply this object with server-side apply (kubectl apply --server-side, Argo CD ServerSideApply=true, Flux), which keeps no last-applied annotation, or make it smaller); allowed: at most 262144 bytes (256 KiB, the API server's annotation limit)`);
  });

  test('property: Go-style JSON decodes to the same value and is never shorter than JSON.stringify', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const go = goJson(value);
      expect(JSON.parse(go)).toEqual(JSON.parse(JSON.stringify(value)));
      expect(Buffer.byteLength(go)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(value)));
    }));
  });
});
