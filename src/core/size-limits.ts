import { ErrorLocation, ValidationError } from './errors';

/**
 * Size limits of Kubernetes objects that large generated content (dashboards, index plans) runs into, and the
 * checks that fail synthesis before an object would be rejected by the API server.
 *
 * What is measured, exactly:
 *
 * - **ConfigMap data**: the API server (`ValidateConfigMap`) adds up the byte length of every `data` value (UTF-8)
 *   and every `binaryData` value (decoded bytes), keys not included, and rejects the object when the sum exceeds
 *   1,048,576 bytes (`MaxSecretSize`, 1 MiB). {@link configMapDataBytes} measures the same sum.
 * - **Annotations**: the API server (`ValidateAnnotationsSize`) adds up key length plus value length of every
 *   annotation and rejects more than 262,144 bytes (256 KiB). Client-side `kubectl apply` (and tools that imitate
 *   it) store the whole object as JSON in the `kubectl.kubernetes.io/last-applied-configuration` annotation, so
 *   {@link lastAppliedAnnotationBytes} measures the object as kubectl encodes it (Go's `encoding/json`: compact,
 *   `<`, `>`, `&`, U+2028 and U+2029 escaped, a trailing newline) plus the annotation key and the object's other
 *   annotations.
 *
 * The checks allow a size equal to the limit and fail one byte above it.
 */

/** Largest ConfigMap payload the API server accepts: sum of `data` and `binaryData` value bytes (1 MiB). */
export const CONFIGMAP_MAX_BYTES = 1_048_576;

/** Largest total size of an object's annotations (keys plus values) the API server accepts (256 KiB). */
export const ANNOTATIONS_MAX_BYTES = 262_144;

/** The annotation client-side `kubectl apply` writes the applied object into. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** What to do when an object does not fit: the hint shown in the error. */
const CONFIGMAP_HINT = 'split the content over several objects (for dashboards: fewer panels per dashboard)';
const ANNOTATION_HINT = 'apply this object with server-side apply (kubectl apply --server-side, Argo CD ServerSideApply=true, Flux), which keeps no last-applied annotation, or make it smaller';

/** The UTF-8 length of a string in bytes (what Go's `len` returns for the same string). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The payload size the API server checks against {@link CONFIGMAP_MAX_BYTES}. */
export function configMapDataBytes(data: Readonly<Record<string, string>>, binaryData: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const value of Object.values(data)) total += utf8Bytes(value);
  // binaryData is base64 in the manifest; the API server counts the decoded bytes.
  for (const value of Object.values(binaryData)) total += Buffer.from(value, 'base64').length;
  return total;
}

/** JSON as Go's `encoding/json` writes it (the escapes it adds over `JSON.stringify`), as a string. */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** An object's annotations, read from a manifest. */
function annotationsOf(manifest: Readonly<Record<string, unknown>>): Record<string, string> {
  const metadata = manifest.metadata as { annotations?: Record<string, string> } | undefined;
  return { ...(metadata?.annotations ?? {}) };
}

/**
 * The total annotation size of `manifest` after a client-side `kubectl apply`: its own annotations plus
 * `kubectl.kubernetes.io/last-applied-configuration` holding the object's JSON (without that annotation) and a
 * trailing newline.
 */
export function lastAppliedAnnotationBytes(manifest: Readonly<Record<string, unknown>>): number {
  const annotations = annotationsOf(manifest);
  delete annotations[LAST_APPLIED_ANNOTATION];
  const metadata = { ...(manifest.metadata as Record<string, unknown>) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const applied = `${goJson({ ...manifest, metadata })}\n`;
  let total = utf8Bytes(LAST_APPLIED_ANNOTATION) + utf8Bytes(applied);
  for (const [key, value] of Object.entries(annotations)) total += utf8Bytes(key) + utf8Bytes(value);
  return total;
}

/** `Kind namespace/name` of a manifest, for messages. */
export function describeObject(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * Throw a `ValidationError` when a ConfigMap's `data` and `binaryData` exceed {@link CONFIGMAP_MAX_BYTES}.
 *
 * @param location the construct that writes the ConfigMap (its path is in the message)
 * @param name the ConfigMap, as `namespace/name`
 * @returns the measured size in bytes
 */
export function assertConfigMapFits(location: ErrorLocation, name: string, data: Readonly<Record<string, string>>, binaryData: Readonly<Record<string, string>> = {}): number {
  const bytes = configMapDataBytes(data, binaryData);
  if (bytes > CONFIGMAP_MAX_BYTES) {
    throw new ValidationError(location, `ConfigMap ${name} data (bytes)`, bytes,
      `at most ${CONFIGMAP_MAX_BYTES} bytes (1 MiB, the API server's ConfigMap limit)`, CONFIGMAP_HINT);
  }
  return bytes;
}

/**
 * Throw a `ValidationError` when a manifest applied with client-side `kubectl apply` would carry more than
 * {@link ANNOTATIONS_MAX_BYTES} of annotations (its own plus the last-applied configuration).
 *
 * @param location the construct that writes the object (its path is in the message)
 * @param manifest the object as it is written to the output (apiVersion, kind, metadata, spec …)
 * @returns the measured size in bytes
 */
export function assertAnnotationFits(location: ErrorLocation, manifest: Readonly<Record<string, unknown>>): number {
  const bytes = lastAppliedAnnotationBytes(manifest);
  if (bytes > ANNOTATIONS_MAX_BYTES) {
    const metadata = manifest.metadata as { name?: string; namespace?: string } | undefined;
    const what = describeObject(String(manifest.kind), metadata?.namespace, String(metadata?.name));
    throw new ValidationError(location, `${what} annotations with ${LAST_APPLIED_ANNOTATION} (bytes)`, bytes,
      `at most ${ANNOTATIONS_MAX_BYTES} bytes (256 KiB, the API server's annotation limit)`, ANNOTATION_HINT);
  }
  return bytes;
}
