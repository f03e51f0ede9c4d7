import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { synthesizeApp } from '../../src/core/synth';
import { EnvironmentProfile, PROD } from '../../src/core/environment';
import { ScrapeJob } from '../../src/prometheus/control-plane';
import { createEnvironment } from '../../stacks/environment-stack';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';
import { Manifest, validateManifest } from '../support/schema';
import { requireTool, runTool } from '../support/tools';

function synth(profile: EnvironmentProfile): Manifest[] {
  const app = new App({ outdir: path.join(os.tmpdir(), 'unused-outdir') });
  createEnvironment(app, { profile, tenants: EXAMPLE_TENANTS });
  return synthesizeApp(app).flatMap((c) => c.objects as unknown as Manifest[]);
}

const platformAlerts = (objects: Manifest[]): string[] => objects
  .filter((o) => o.kind === 'PrometheusRule')
  .flatMap((o) => (o.spec as { groups: Array<{ name: string; rules: Array<{ alert?: string }> }> }).groups)
  .filter((g) => g.name === 'platform')
  .flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
const named = (objects: Manifest[], kind: string, name: string): Manifest | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);
const prometheusSpec = (objects: Manifest[]): Record<string, unknown> => objects.find((o) => o.kind === 'Prometheus')!.spec as Record<string, unknown>;

describe('control-plane scraping', () => {
  const plain = synth(PROD);
  const scraping = synth({ ...PROD, scrapedControlPlane: ['kube-scheduler', 'apiserver'] });
  const jobs = (): ScrapeJob[] => {
    const secret = named(scraping, 'Secret', 'prometheus-control-plane-scrape')!;
    return parse((secret.stringData as Record<string, string>)['control-plane.yaml']) as ScrapeJob[];
  };

  test('without it: no scrape job, no discovery in kube-system and no control-plane alert', () => {
    expect(prometheusSpec(plain).additionalScrapeConfigs).toBeUndefined();
    expect(named(plain, 'Secret', 'prometheus-control-plane-scrape')).toBeUndefined();
    expect(plain.filter((o) => o.metadata.namespace === 'kube-system')).toEqual([]);
    expect(platformAlerts(plain)).toEqual(['PlatformComponentDown']);
  });

  test('a scraped component gets a scrape job named after it, and its alerts', () => {
    expect(prometheusSpec(scraping).additionalScrapeConfigs).toEqual({ name: 'prometheus-control-plane-scrape', key: 'control-plane.yaml' });
    expect(jobs().map((j) => [j.job_name, j.scheme])).toEqual([['apiserver', 'https'], ['kube-scheduler', 'https']]);
    expect(jobs()[1].relabel_configs?.[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_component'], regex: 'kube-scheduler', action: 'keep' });
    expect(platformAlerts(scraping)).toEqual(['PlatformComponentDown', 'KubeApiserverErrorRate', 'KubeApiserverLatencyHigh', 'KubeSchedulerDown']);
  });

  test('pod discovery in kube-system is a Role there, and egress opens the metrics port only', () => {
    expect(named(scraping, 'Role', 'prometheus-control-plane-discovery')).toMatchObject({
      metadata: { namespace: 'kube-system' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(named(scraping, 'NetworkPolicy', 'allow-control-plane-scrape-egress')?.spec).toMatchObject({
      policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 10259 }] }],
    });
    expect(scraping.filter((o) => o.metadata.namespace === 'kube-system' || o.metadata.name.includes('control-plane')).flatMap(validateManifest)).toEqual([]);
  });

  test('promtool accepts the scrape jobs', () => {
    const promtool = requireTool('promtool');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-plane-scrape-'));
    try {
      // The jobs read the pod's service-account files; point them at files that exist here.
      const local = jobs().map((j) => JSON.parse(JSON.stringify(j).replace(/\/var\/run\/secrets\/kubernetes\.io\/serviceaccount/g, dir)) as ScrapeJob);
      fs.writeFileSync(path.join(dir, 'token'), 'token');
      fs.writeFileSync(path.join(dir, 'ca.crt'), '');
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify({ scrape_configs: local }));
      expect(runTool(promtool, ['check', 'config', '--syntax-only', 'prometheus.yml'], { cwd: dir })).toContain('SUCCESS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
