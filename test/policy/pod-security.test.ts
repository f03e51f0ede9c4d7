import { podTemplates, restrictedViolations } from '../support/pod-security';
import { ENVIRONMENT_NAMES, synthEnvironment } from '../support/synth';
import { secureContainer, securePodSpec, SMALL_RESOURCES } from '../../src/core/pod';
import { Images } from '../../src/core/images';

describe.each(ENVIRONMENT_NAMES)('Pod Security Standards "restricted" in %s', (env) => {
  const { objects } = synthEnvironment(env);

  test('every pod template meets the restricted profile', () => {
    const templates = podTemplates(objects);
    // The platform (Grafana, Pushgateway, remediation controller) and the ML CronJobs at least.
    expect(templates.length).toBeGreaterThanOrEqual(5);
    const violations = templates.flatMap(restrictedViolations);
    expect(violations).toEqual([]);
  });

  test('every tenant namespace enforces the restricted profile', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.tenant);
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('the secure pod defaults', () => {
  const spec = securePodSpec({
    serviceAccountName: 'job',
    containers: [secureContainer({ name: 'main', image: Images.runtime(), resources: SMALL_RESOURCES })],
  });

  test('meet the restricted profile', () => {
    expect(restrictedViolations({ object: 'Pod/x', spec: spec as never })).toEqual([]);
  });

  test('the checker reports a privileged, root, capability-keeping container', () => {
    const bad = {
      ...spec,
      serviceAccountName: 'default',
      containers: [{ name: 'bad', securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['SYS_ADMIN'] } } }],
    };
    expect(restrictedViolations({ object: 'Pod/x', spec: bad as never })).toEqual([
      'Pod/x: container bad must not be privileged',
      'Pod/x: container bad must set allowPrivilegeEscalation: false',
      'Pod/x: container bad must run as non-root (runAsNonRoot: true)',
      'Pod/x: container bad runAsUser must not be 0',
      'Pod/x: container bad must drop ALL capabilities',
      'Pod/x: container bad may add only NET_BIND_SERVICE',
      'Pod/x: container bad must have a read-only root filesystem',
      'Pod/x: container bad must request cpu',
      'Pod/x: container bad must limit cpu',
      'Pod/x: container bad must request memory',
      'Pod/x: container bad must limit memory',
      'Pod/x: must use a dedicated ServiceAccount',
    ]);
  });

  test('fails a container whose request exceeds its limit', () => {
    expect(() => secureContainer({ name: 'main', image: Images.runtime(), resources: { ...SMALL_RESOURCES, cpuRequest: '2' }, location: 'dev/job' }))
      .toThrow('dev/job: resources.cpuRequest: got "2"; allowed: at most resources.cpuLimit (200m)');
  });
});
