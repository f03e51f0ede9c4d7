import { Manifest } from '../support/schema';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { datasourceProblems, listMapDuplicateProblems, operatorMountProblems, podMountProblems, selectorProblems } from '../support/wiring';
import { EXAMPLE_TENANTS } from '../../stacks/tenants';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/**
 * The references between objects of every environment's output resolve as a cluster resolves
 * them. Each check is also run on a deliberately broken copy, so a check that cannot fail would
 * show here.
 */
const outputs = new Map(ENVIRONMENT_NAMES.map((env) => [env, synthEnvironment(env).objects]));
const prod = outputs.get('prod') as Manifest[];
const TENANTS = EXAMPLE_TENANTS.map((t) => t.id);

/** A deep copy of `objects` with `mutate` applied to the object `kind/name`. */
function broken(objects: Manifest[], kind: string, name: string, mutate: (o: Obj) => void): Manifest[] {
  const copy = JSON.parse(JSON.stringify(objects)) as Manifest[];
  const target = copy.find((o) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`no ${kind}/${name} in the output`);
  mutate(target as Obj);
  return copy;
}
const container = (o: Obj, name: string): Obj => (o.spec.template.spec.containers as Obj[]).find((c) => c.name === name) as Obj;

describe.each(ENVIRONMENT_NAMES)('%s', (env) => {
  const objects = outputs.get(env) as Manifest[];

  test('every file an operator-managed Alertmanager or Prometheus reads is in the operator\'s mount layout', () => {
    expect(operatorMountProblems(objects)).toEqual([]);
  });

  test('every file a container reads lies under one of its volume mounts, and the volume holds it', () => {
    expect(podMountProblems(objects)).toEqual([]);
  });

  test('no list-map repeats a key (server-side apply refuses them)', () => {
    expect(listMapDuplicateProblems(objects)).toEqual([]);
  });

  test('every datasource a dashboard names is provisioned for the Grafana that loads it', () => {
    expect(datasourceProblems(objects)).toEqual([]);
  });

  test('every Service, ServiceMonitor, HPA and PDB selects what it names', () => {
    expect(selectorProblems(objects, TENANTS)).toEqual([]);
  });
});

describe('each check fails on a broken copy', () => {
  test('an Alertmanager Secret left out of spec.secrets', () => {
    const copy = broken(prod, 'Alertmanager', 'platform', (am) => {
      am.spec.secrets = (am.spec.secrets as string[]).filter((s) => s !== 'alerting-acme-ai');
    });
    expect(operatorMountProblems(copy)).toEqual([
      expect.stringMatching(/^Alertmanager\/monitoring\/platform: alertmanager\.yaml\.receivers\[\d+\]\.slack_configs\[0\]\.api_url_file reads \/etc\/alertmanager\/secrets\/alerting-acme-ai\/slack-url, but the operator mounts nothing there \(spec\.secrets: alerting-credentials, alerting-globex-ml, remediation-webhook-token\)$/),
    ]);
  });

  test('a template the config Secret does not hold', () => {
    const copy = broken(prod, 'Secret', 'alertmanager-platform-config', (s) => {
      delete s.stringData['notifications.tmpl'];
    });
    expect(operatorMountProblems(copy)).toEqual([
      'Alertmanager/monitoring/platform: alertmanager.yaml.templates[0] reads /etc/alertmanager/config/notifications.tmpl, but /etc/alertmanager/config holds only alertmanager.yaml',
    ]);
  });

  test('a ServiceMonitor reading a token file Prometheus does not mount', () => {
    const copy = broken(prod, 'ServiceMonitor', 'alertmanager', (m) => {
      m.spec.endpoints[0].bearerTokenFile = '/etc/prometheus/secrets/scrape-token/token';
    });
    expect(operatorMountProblems(copy)).toEqual([
      'Prometheus/monitoring/platform: ServiceMonitor/monitoring/alertmanager spec.endpoints[0].bearerTokenFile reads /etc/prometheus/secrets/scrape-token/token, but the operator mounts nothing there',
    ]);
  });

  test('a container flag naming a file outside its mounts', () => {
    const copy = broken(prod, 'Deployment', 'remediation-controller', (d) => {
      const args = container(d, 'controller').args as string[];
      args[args.indexOf('--token-file') + 1] = '/var/run/secrets/remediation-token/token';
    });
    expect(podMountProblems(copy)).toEqual([
      'Deployment/monitoring/remediation-controller container controller: args --token-file /var/run/secrets/remediation-token/token reads /var/run/secrets/remediation-token/token, which is under none of its volume mounts (/etc/remediation, /var/run/secrets/remediation, /tmp, /var/lib/remediation)',
    ]);
  });

  test('a mounted configuration naming a key its volume does not project', () => {
    const copy = broken(prod, 'ConfigMap', 'jaeger-acme-ai-config', (cm) => {
      cm.data['config.yaml'] = String(cm.data['config.yaml']).replace('/var/run/secrets/elasticsearch/ca.crt', '/var/run/secrets/elasticsearch/tls.crt');
    });
    expect(podMountProblems(copy)).toEqual([
      'Deployment/monitoring/jaeger-acme-ai container jaeger: ConfigMap jaeger-acme-ai-config key config.yaml reads /var/run/secrets/elasticsearch/tls.crt, but volume elasticsearch-credentials holds only password, ca.crt',
    ]);
  });

  test('an env name defined twice', () => {
    const copy = broken(prod, 'Deployment', 'pushgateway', (d) => {
      const c = container(d, 'pushgateway');
      c.env = [...(c.env ?? []), { name: 'TZ', value: 'UTC' }, { name: 'TZ', value: 'CET' }];
    });
    expect(listMapDuplicateProblems(copy)).toEqual(['Deployment/monitoring/pushgateway container pushgateway: duplicate env name TZ']);
  });

  test('a dashboard naming a datasource nobody provisions', () => {
    const copy = broken(prod, 'ConfigMap', 'dashboard-platform-slo', (cm) => {
      const [file] = Object.keys(cm.data);
      const json = JSON.parse(cm.data[file]) as Obj;
      json.panels[0].datasource = { type: 'prometheus', uid: 'thanos' };
      cm.data[file] = JSON.stringify(json);
    });
    expect(datasourceProblems(copy)).toEqual([
      expect.stringMatching(/^Deployment\/monitoring\/grafana: ConfigMap\/monitoring\/dashboard-platform-slo tm-slo\.json panels\[0\] ".*" names datasource uid thanos, which is not provisioned \(provisioned: prometheus, /),
    ]);
  });

  test('a Service whose target port no pod exposes, and a monitor whose port no Service has', () => {
    let copy = broken(prod, 'Service', 'pushgateway', (s) => {
      s.spec.ports[0].targetPort = 'metrics';
    });
    copy = broken(copy, 'ServiceMonitor', 'grafana', (m) => {
      m.spec.endpoints[0].port = 'metrics';
    });
    expect(selectorProblems(copy, TENANTS)).toEqual([
      'Service/monitoring/pushgateway: port http targets metrics, which not every selected pod (Deployment/monitoring/pushgateway) exposes',
      'ServiceMonitor/monitoring/grafana: endpoint port metrics is not a port of Service/monitoring/grafana',
    ]);
  });
});
