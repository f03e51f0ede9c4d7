import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { KUSTOMIZATION_FILE, writeApp } from '../../src/core/synth';

function appWithTenants(tenants: ReadonlyArray<string>): App {
  const app = new App();
  for (const t of tenants) {
    const chart = new Chart(app, `tenant-${t}`);
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t } });
  }
  return app;
}

describe('writeApp', () => {
  let work: string;
  let out: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'write-app-'));
    out = path.join(work, 'dist', 'prod');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('replaces the folder: a tenant removed since the last synth leaves no file behind', () => {
    writeApp(appWithTenants(['a', 'b', 'c']), out);
    expect(fs.readdirSync(out).sort()).toEqual([KUSTOMIZATION_FILE, 'tenant-a.k8s.yaml', 'tenant-b.k8s.yaml', 'tenant-c.k8s.yaml']);
    fs.writeFileSync(path.join(out, 'hand-written.yaml'), 'kind: ConfigMap\n');

    const written = writeApp(appWithTenants(['a', 'b']), out);

    expect(fs.readdirSync(out).sort()).toEqual([KUSTOMIZATION_FILE, 'tenant-a.k8s.yaml', 'tenant-b.k8s.yaml']);
    expect(written).toEqual([path.join(out, 'tenant-a.k8s.yaml'), path.join(out, 'tenant-b.k8s.yaml'), path.join(out, KUSTOMIZATION_FILE)]);
    expect(fs.readFileSync(path.join(out, KUSTOMIZATION_FILE), 'utf8')).toContain('- tenant-b.k8s.yaml');
    // Nothing of the staging is left next to the output.
    expect(fs.readdirSync(path.dirname(out))).toEqual(['prod']);
  });

  test('fails on a validation error and leaves the previous output intact', () => {
    writeApp(appWithTenants(['a', 'b', 'c']), out);
    const before = Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    const bad = appWithTenants(['a']);
    bad.node.findChild('tenant-a').node.addValidation({ validate: () => ['tenant a is invalid'] });

    expect(() => writeApp(bad, out)).toThrow('Validation failed with the following errors:\n  [tenant-a] tenant a is invalid');

    expect(Object.fromEntries(fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]))).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['prod']);
  });

  test('writes into a folder that does not exist yet', () => {
    writeApp(appWithTenants(['a']), out);
    expect(fs.readdirSync(out).sort()).toEqual([KUSTOMIZATION_FILE, 'tenant-a.k8s.yaml']);
  });
});
