import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ServiceMonitor } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ContainerImage, Images } from '../core/images';
import { COLLECT_LABELS, recommendedLabels, selectorLabels } from '../core/labels';
import { CLIENT_LABELS, ingressFrom, NetworkPeer, namedPort, PLATFORM_POD_LABELS } from '../core/network';
import { httpProbe, secureContainer, securePodSpec, SMALL_RESOURCES, WorkloadServiceAccount } from '../core/pod';

/** Properties of `Pushgateway`. */
export interface PushgatewayProps {
  /** Namespace. */
  readonly namespace: string;
  /** Replicas. @default 1 */
  readonly replicas?: number;
  /** Image. @default Images.pushgateway() */
  readonly image?: ContainerImage;
}

/**
 * The Prometheus Pushgateway that batch jobs (drift and anomaly jobs) push their results to. Its
 * NetworkPolicy (`pushgateway`) admits the platform Prometheus (scrape) and the pods labelled as
 * its clients (`CLIENT_LABELS.pushgateway`) on `http`, and lets it reach nothing but DNS.
 */
export class Pushgateway extends Construct {
  /** Service name. */
  public readonly serviceName = 'pushgateway';
  /** Service port. */
  public readonly port = 9091;
  /** In-cluster URL. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: PushgatewayProps) {
    super(scope, id);
    const name = 'pushgateway';
    const labels = recommendedLabels({ name, component: 'metrics-ingest' });
    const selector = selectorLabels({ name });
    this.url = `http://${this.serviceName}.${props.namespace}.svc:${this.port}`;
    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name, namespace: props.namespace, labels });
    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        // The Pushgateway keeps pushed groups in memory; one replica avoids split state.
        replicas: props.replicas ?? 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: securePodSpec({
            serviceAccountName: sa.name,
            containers: [secureContainer({
              name,
              image: props.image ?? Images.pushgateway(),
              args: ['--web.listen-address=:9091', '--persistence.file=/data/pushgateway.db', '--persistence.interval=1m'],
              ports: [{ name: 'http', port: this.port }],
              resources: SMALL_RESOURCES,
              readinessProbe: httpProbe('/-/ready', 'http'),
              livenessProbe: httpProbe('/-/healthy', 'http', 20),
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              location: this,
            })],
            volumes: [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }],
          }),
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: props.namespace, labels },
      spec: { selector, ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http') }] },
    });
    new ServiceMonitor(this, 'Monitor', {
      metadata: { name, namespace: props.namespace, labels: { ...labels, ...COLLECT_LABELS } },
      // Pushed metrics carry their own job/tenant labels; keep them.
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'http', honorLabels: true }] },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [ingressFrom([
          NetworkPeer.pods(props.namespace, PLATFORM_POD_LABELS.prometheus),
          NetworkPeer.pods(props.namespace, { [CLIENT_LABELS.pushgateway]: 'true' }),
        ], [namedPort('http')])],
        egress: [],
      },
    });
  }
}
