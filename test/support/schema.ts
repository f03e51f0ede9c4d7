/**
 * Strict schema validation of synthesized objects.
 *
 * - Custom resources are validated against the `openAPIV3Schema` of the CRD files in
 *   `imports/crds/` (the same files `cdk8s import` generated the classes from).
 * - Core kinds are validated against the Kubernetes OpenAPI definitions shipped by the npm package
 *   `kubernetes-models` 4.3.1 (generated from Kubernetes 1.27.1, the newest release of that package
 *   whose schemas are plain JSON Schema; the project uses no field introduced in 1.28).
 *
 * "Strict" means unknown fields are errors: every object schema that lists `properties` and
 * neither sets `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` gets
 * `additionalProperties: false`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: Json };

const ROOT = path.resolve(__dirname, '..', '..');

/** Make every object schema with properties reject unknown fields (in place, on a copy). */
function strictify(node: Json): Json {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    // `properties` and `definitions` map names to schemas; recurse into each schema.
    if ((k === 'properties' || k === 'patternProperties' || k === 'definitions') && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictify(s)]));
    } else {
      out[k] = strictify(v);
    }
  }
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * CRD patterns are Go regular expressions; the only Go-only syntax they use is `(?i)`
 * (case-insensitive), which maps to JavaScript's `i` flag.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags);
}
goRegExp.code = 'goRegExp';

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { regExp: goRegExp } });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'float']) ajv.addFormat(f, { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('quantity', /^[+-]?(?:\d+|\d+\.\d*|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[mkMGTPE]|)$/);
  ajv.addFormat('int-or-string', true);
  ajv.addFormat('string', true);
  ajv.addFormat('date-time', true);
  return ajv;
}

let coreAjv: Ajv | undefined;

/** Load every Kubernetes definition from kubernetes-models into one Ajv instance, strictly. */
function loadCoreSchemas(): Ajv {
  if (coreAjv) return coreAjv;
  const ajv = newAjv();
  // kubernetes-models registers each definition through `register(id, schema)`; capture them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const validateModule = require('@kubernetes-models/validate') as { register: (id: string, schema: Schema) => void };
  const original = validateModule.register;
  const collected = new Map<string, Schema>();
  validateModule.register = (id, schema) => { collected.set(id, schema); };
  try {
    for (const dir of ['kubernetes-models/_schemas', '@kubernetes-models/apimachinery/_schemas']) {
      const abs = path.join(ROOT, 'node_modules', dir);
      for (const file of fs.readdirSync(abs).filter((f) => f.endsWith('.js'))) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require(path.join(abs, file)) as { addSchema: () => void }).addSchema();
      }
    }
  } finally {
    validateModule.register = original;
  }
  for (const [id, schema] of collected) ajv.addSchema(strictify(schema) as object, id);
  coreAjv = ajv;
  return ajv;
}

/** Schema id in kubernetes-models for a core apiVersion + kind (`apps/v1`, `Deployment`). */
function coreSchemaId(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const groupId = group === 'core' ? 'core' : group.endsWith('.k8s.io') ? group.replace(/\.k8s\.io$/, '') : group;
  return `io.k8s.api.${groupId.replace(/^rbac\.authorization$/, 'rbac')}.${version}.${kind}`;
}

const crdSchemas = new Map<string, Schema>();
const crdValidators = new Map<string, ValidateFunction>();
let crdAjv: Ajv | undefined;
let crdsLoaded = false;

function loadCrdSchemas(): void {
  if (crdsLoaded) return;
  crdAjv = newAjv();
  const dir = path.join(ROOT, 'imports', 'crds');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Schema } }> } };
      if (!crd?.spec?.versions) continue;
      for (const v of crd.spec.versions.filter((x) => x.served)) {
        const schema = strictify(v.schema.openAPIV3Schema) as Schema;
        // CRD schemas leave metadata open; it is checked against ObjectMeta separately.
        crdSchemas.set(`${crd.spec.group}/${v.name}|${crd.spec.names.kind}`, schema);
      }
    }
  }
  crdsLoaded = true;
}

/** A manifest as synthesized. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** Validate one object strictly; returns the error messages (empty when valid). */
export function validateManifest(obj: Manifest): string[] {
  loadCrdSchemas();
  const key = `${obj.apiVersion}|${obj.kind}`;
  // Nullable fields are `oneOf: [{$ref}, {type: null}]`; their "must be null" / "oneOf" echoes add
  // nothing to the real error underneath, so they are dropped when a more specific error exists.
  const describe = (all: ValidateFunction['errors']) => {
    const specific = (all ?? []).filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && e.params.type === 'null'));
    const errors = specific.length > 0 ? specific : (all ?? []);
    return errors.map((e) => `${obj.kind}/${obj.metadata?.name}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  };
  // Large CRD schemas compile slowly: compile each on first use only.
  if (!crdValidators.has(key) && crdSchemas.has(key)) crdValidators.set(key, (crdAjv as Ajv).compile(crdSchemas.get(key) as Schema));
  const crd = crdValidators.get(key);
  const core = loadCoreSchemas();
  if (crd) {
    const errors: string[] = [];
    if (!crd(obj)) errors.push(...describe(crd.errors));
    const meta = core.getSchema('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    if (!meta) throw new Error('ObjectMeta schema missing');
    if (!meta(obj.metadata)) errors.push(...describe(meta.errors).map((m) => m.replace(': /', ': /metadata/')));
    return errors;
  }
  const id = coreSchemaId(obj.apiVersion, obj.kind);
  const validate = core.getSchema(id);
  if (!validate) return [`${obj.kind}/${obj.metadata?.name}: no schema for ${obj.apiVersion} ${obj.kind} (looked for ${id} and the CRDs in imports/crds)`];
  return validate(obj) ? [] : describe(validate.errors);
}
