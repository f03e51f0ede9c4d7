import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ValidationError } from '../core/errors';
import { ContainerImage, Images } from '../core/images';
import { recommendedLabels, selectorLabels } from '../core/labels';
import { objectName } from '../core/naming';
import { ContainerResources, MEDIUM_RESOURCES, secureContainer, securePodSpec, WorkloadServiceAccount } from '../core/pod';
import { validateCron, validateDnsLabel, validateInteger } from '../core/validation';

/** Where a runtime job's configuration file is mounted. */
export const RUNTIME_CONFIG_DIRECTORY = '/etc/tenant-monitoring';

/** Schedule and limits of a runtime CronJob. */
export interface RuntimeJobScheduleOptions {
  /** Cron schedule. @default '0 * * * *' (hourly) */
  readonly schedule?: string;
  /** Seconds after the scheduled time within which a missed run may still start. @default 300 */
  readonly startingDeadlineSeconds?: number;
  /** Seconds a run may take before it is stopped. @default 1800 */
  readonly activeDeadlineSeconds?: number;
  /** Retries of a failed run. @default 2 */
  readonly backoffLimit?: number;
  /** Finished runs kept for inspection (each of successful and failed). @default 3 */
  readonly historyLimit?: number;
  /** The image. @default Images.runtime() */
  readonly image?: ContainerImage;
  /** Resources of the job container. @default MEDIUM_RESOURCES */
  readonly resources?: ContainerResources;
}

/** Properties of `RuntimeCronJob`. */
export interface RuntimeCronJobProps extends RuntimeJobScheduleOptions {
  /** Object name base (the CronJob, ConfigMap and ServiceAccount share it). */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** The runtime program (`drift`, `anomaly`, ...). */
  readonly program: string;
  /** The configuration file's name and content (mounted read-only and passed as `--config`). */
  readonly config: { readonly fileName: string; readonly content: string };
  /** Recommended-label options: component and tenant. */
  readonly component: string;
  /** The tenant the job works for. */
  readonly tenant: string;
  /** Where the job's pods may connect (besides DNS); its NetworkPolicy admits no ingress. @default - DNS only */
  readonly egress?: ReadonlyArray<k8s.NetworkPolicyEgressRule>;
  /** Extra pod labels, such as the client labels of the components it calls (`clientLabels(...)`). @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * A CronJob that runs one of this project's programs from the runtime image with a configuration
 * file from its own ConfigMap: concurrency forbidden, deadlines and retries bounded, history
 * bounded, its own ServiceAccount without an API token, Pod Security "restricted", and a
 * NetworkPolicy of its own: no ingress, egress only to `egress`.
 */
export class RuntimeCronJob extends Construct {
  /** The CronJob name. */
  public readonly name: string;
  /** The schedule. */
  public readonly schedule: string;

  constructor(scope: Construct, id: string, props: RuntimeCronJobProps) {
    super(scope, id);
    validateDnsLabel(props.namespace, this, 'namespace');
    this.name = objectName([props.name], 52); // CronJob names are limited to 52 characters.
    this.schedule = validateCron(props.schedule ?? '0 * * * *', this, 'schedule');
    const startingDeadlineSeconds = validateInteger(props.startingDeadlineSeconds ?? 300, 10, 86_400, this, 'startingDeadlineSeconds');
    const activeDeadlineSeconds = validateInteger(props.activeDeadlineSeconds ?? 1800, 10, 86_400, this, 'activeDeadlineSeconds');
    const backoffLimit = validateInteger(props.backoffLimit ?? 2, 0, 10, this, 'backoffLimit');
    const historyLimit = validateInteger(props.historyLimit ?? 3, 0, 20, this, 'historyLimit');
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(props.config.fileName)) {
      throw new ValidationError(this, 'config.fileName', props.config.fileName, 'a file name of lower-case letters, digits, ., _ and -');
    }
    const labels = recommendedLabels({ name: props.program, component: props.component, instance: this.name, tenant: props.tenant });
    const sa = new WorkloadServiceAccount(this, 'ServiceAccount', { name: this.name, namespace: props.namespace, labels });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      data: { [props.config.fileName]: props.config.content },
    });
    new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        schedule: this.schedule,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds,
        successfulJobsHistoryLimit: historyLimit,
        failedJobsHistoryLimit: historyLimit,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit,
            activeDeadlineSeconds,
            ttlSecondsAfterFinished: 86_400,
            template: {
              metadata: { labels: { ...props.podLabels, ...labels } },
              spec: securePodSpec({
                serviceAccountName: sa.name,
                restartPolicy: 'Never',
                containers: [secureContainer({
                  name: props.program,
                  image: props.image ?? Images.runtime(),
                  args: [props.program, '--config', `${RUNTIME_CONFIG_DIRECTORY}/${props.config.fileName}`],
                  resources: props.resources ?? MEDIUM_RESOURCES,
                  volumeMounts: [
                    { name: 'config', mountPath: RUNTIME_CONFIG_DIRECTORY, readOnly: true },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                  location: this,
                })],
                volumes: [
                  { name: 'config', configMap: { name: this.name } },
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
                ],
              }),
            },
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        podSelector: { matchLabels: selectorLabels({ name: props.program, instance: this.name }) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [...(props.egress ?? [])],
      },
    });
  }
}
