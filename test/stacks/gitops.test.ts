import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { synthAll } from '../../stacks/main';
import { ENVIRONMENT_NAMES } from '../support/synth';
import { requireTool, runTool } from '../support/tools';

const kubectl = requireTool('kubectl', 'it ships with the machine image (kubectl with built-in kustomize)');
type Doc = { kind: string; metadata: { name: string; namespace?: string } };

function synthTo(env: string): string {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-')), 'dist');
  synthAll({ MONITORING_ENV: env, OUTPUT_DIR: out });
  return path.join(out, env);
}
const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

describe.each(ENVIRONMENT_NAMES)('the %s output as applied by kubectl -k, Argo CD and Flux', (env) => {
  const dir = synthTo(env);

  test('has stable file names: the platform first, then one file per tenant, and a kustomization', () => {
    expect(fs.readdirSync(dir).sort()).toEqual(['0000-platform.k8s.yaml', '0001-tenant-acme-ai.k8s.yaml', '0002-tenant-globex-ml.k8s.yaml', 'kustomization.yaml']);
  });

  test('is byte for byte the same on every synth', () => {
    expect(read(synthTo(env))).toEqual(read(dir));
  });

  test('builds with kustomize into every object, each Namespace before the objects in it', () => {
    const built = parseAllDocuments(runTool(kubectl, ['kustomize', dir])).map((d) => d.toJS() as Doc);
    const written = fs.readdirSync(dir).filter((f) => f.endsWith('.k8s.yaml'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as Doc));
    const key = (d: Doc) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`;
    expect(built.map(key).sort()).toEqual(written.map(key).sort());
    const created = new Set<string>();
    const external = new Set(['kube-system']);
    for (const d of built) {
      if (d.kind === 'Namespace') created.add(d.metadata.name);
      else if (d.metadata.namespace && !external.has(d.metadata.namespace)) expect([key(d), created.has(d.metadata.namespace)]).toEqual([key(d), true]);
    }
  });
});
