import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { registeredTenants } from '../core/app-validation';
import { EnvironmentProfile } from '../core/environment';
import { ValidationError } from '../core/errors';
import { recommendedLabels } from '../core/labels';
import { objectName } from '../core/naming';
import { validateDnsLabel, validateUrl } from '../core/validation';
import { buildRouteTree, defaultInhibitRules, TenantRouting } from './escalation';
import {
  AlertmanagerConfigModel, AlertmanagerRenderOptions, DeclaredSecrets, InhibitRule, renderAlertmanagerConfig, Route,
  TimeInterval, validateAlertmanagerConfig,
} from './model';
import { filesReadByAlertmanagerConfig } from './mounts';
import { Receiver } from './receivers';
import { SecretKeyRef } from '../core/secret-ref';
import { renderNotificationTemplates, TEMPLATE_FILE_NAME } from './templates';

/** The key of the configuration Secret that holds `alertmanager.yaml`. */
export const ALERTMANAGER_CONFIG_KEY = 'alertmanager.yaml';

/** Properties of `AlertRouting`. */
export interface AlertRoutingProps {
  /** The environment: which receiver kinds are used and the notification timing per level. */
  readonly profile: EnvironmentProfile;
  /** The namespace of the Alertmanager (and of the credential Secrets). */
  readonly namespace: string;
  /** The Alertmanager's name; the Secret is `alertmanager-<name>-config`. @default 'main' */
  readonly alertmanagerName?: string;
  /** The platform team's receivers. More with `addReceiver()`. @default - none */
  readonly receivers?: ReadonlyArray<Receiver>;
  /** Credential Secrets receivers may reference: name to keys. More with `addSecret()`. @default - none */
  readonly secrets?: Readonly<Record<string, ReadonlyArray<string>>>;
  /** The catch-all receiver. @default - the platform's first L2 receiver */
  readonly defaultReceiver?: string;
  /** Grafana's URL for dashboard links. @default - Alertmanager's external URL */
  readonly grafanaUrl?: string;
  /** Labels that group alerts. @default ['alertname', 'tenant', 'namespace'] */
  readonly groupBy?: ReadonlyArray<string>;
  /** Whether the correlation rules of `defaultInhibitRules()` are included. @default true */
  readonly defaultInhibitRules?: boolean;
}

/** Options of a tenant route. */
export interface TenantRouteOptions {
  /** Time intervals outside which the tenant's notifications are muted (e.g. business hours). @default - always */
  readonly activeTimeIntervals?: ReadonlyArray<string>;
}

/**
 * The Alertmanager configuration as a typed model, rendered into the Secret that the
 * prometheus-operator `Alertmanager` resource uses (`spec.configSecret`). Receivers read their
 * credentials from the Secrets listed in `credentialSecrets` (to mount through `spec.secrets`).
 * The whole tree is validated at synth: unknown or duplicate receivers, undeclared Secrets and
 * keys, unknown time intervals and bad matchers fail with the construct path.
 *
 * @example
 * const routing = new AlertRouting(this, 'Routing', { profile: PROD, namespace: 'monitoring' });
 * routing.addSecret('alerting-credentials', ['slack-url', 'pagerduty-key']);
 * routing.addReceiver(Receiver.slack({ name: 'platform-chat', channel: '#alerts', webhookUrl: SecretKeyRef.of('alerting-credentials', 'slack-url') }));
 * routing.addTenantRoute('acme', [Receiver.email({ name: 'acme-mail', ... })]);
 */
export class AlertRouting extends Construct {
  /** The namespace of the Secret. */
  public readonly namespace: string;
  /** The name of the Secret holding `alertmanager.yaml` (the Alertmanager's `spec.configSecret`). */
  public readonly configSecretName: string;
  /** The environment profile. */
  public readonly profile: EnvironmentProfile;
  private readonly receivers: Receiver[] = [];
  private readonly secrets = new Map<string, Set<string>>();
  private readonly tenants: Array<{ tenant: string; receivers: ReadonlyArray<Receiver | string>; opts: TenantRouteOptions }> = [];
  private readonly routes: Route[] = [];
  private readonly inhibitRules: InhibitRule[] = [];
  private readonly timeIntervals: TimeInterval[] = [];
  private readonly props: AlertRoutingProps;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    validateDnsLabel(props.namespace, this, 'namespace');
    const amName = props.alertmanagerName ?? 'main';
    validateDnsLabel(amName, this, 'alertmanagerName');
    if (props.grafanaUrl !== undefined) validateUrl(props.grafanaUrl, this, 'grafanaUrl');
    this.props = props;
    this.profile = props.profile;
    this.namespace = props.namespace;
    this.configSecretName = objectName(['alertmanager', amName, 'config']);
    for (const [name, keys] of Object.entries(props.secrets ?? {})) this.addSecret(name, keys);
    for (const r of props.receivers ?? []) this.addReceiver(r);
    if (props.defaultInhibitRules ?? true) this.inhibitRules.push(...defaultInhibitRules());

    new k8s.KubeSecret(this, 'Resource', {
      metadata: {
        name: this.configSecretName,
        namespace: this.namespace,
        labels: recommendedLabels({ name: 'alertmanager', component: 'alerting', instance: amName }),
      },
      type: 'Opaque',
      // Rendered at synth so receivers and routes added after construction are included.
      stringData: Lazy.any({ produce: () => this.renderSecretData() }) as unknown as Record<string, string>,
    });
    this.node.addValidation({ validate: () => [...this.validate(), ...this.unregisteredTenantRoutes()] });
  }

  /** Declare a credential Secret (in the Alertmanager's namespace) and the keys receivers may reference. */
  public addSecret(name: string, keys: ReadonlyArray<string>): void {
    if (keys.length === 0) throw new ValidationError(this, `secrets.${name}`, [], 'at least one key');
    const set = this.secrets.get(name) ?? new Set<string>();
    // The same rules as every Secret reference: a DNS subdomain and valid data keys.
    for (const k of keys) set.add(SecretKeyRef.of(name, k, this, 'secrets').key);
    this.secrets.set(name, set);
  }

  /** Add a platform receiver (serving its levels for every alert no tenant route covers). */
  public addReceiver(receiver: Receiver): void {
    if (!(receiver instanceof Receiver)) throw new ValidationError(this, 'receivers', receiver, 'a Receiver built by a factory such as Receiver.slack({...})');
    this.receivers.push(receiver);
  }

  /**
   * Route the alerts labelled `tenant="<tenant>"` to the tenant's own receivers (objects, or names
   * of receivers added with `addReceiver()`); levels they do not serve fall back to the platform's.
   */
  public addTenantRoute(tenant: string, receivers: ReadonlyArray<Receiver | string>, opts: TenantRouteOptions = {}): void {
    validateDnsLabel(tenant, this, 'tenantRoute.tenant');
    if (this.tenants.some((t) => t.tenant === tenant)) throw new ValidationError(this, 'tenantRoute.tenant', tenant, 'a tenant without a route yet', 'duplicate tenant route');
    if (receivers.length === 0) throw new ValidationError(this, `tenantRoute(${tenant}).receivers`, [], 'at least one receiver');
    this.tenants.push({ tenant, receivers: [...receivers], opts });
  }

  /** Add a custom route, tried before the tenant routes. */
  public addRoute(route: Route): void {
    this.routes.push(route);
  }

  /** Add an inhibit rule. */
  public addInhibitRule(rule: InhibitRule): void {
    this.inhibitRules.push(rule);
  }

  /** Add a named time interval for `TenantRouteOptions.activeTimeIntervals` or custom routes. */
  public addTimeInterval(interval: TimeInterval): void {
    this.timeIntervals.push(interval);
  }

  /** Names of the Secrets the rendered configuration reads (list them in the Alertmanager's `spec.secrets`). */
  public get credentialSecrets(): string[] {
    const used = new Set(this.configModel().receivers.flatMap((r) => r.secretRefs.map((s) => s.name)));
    return [...used].sort();
  }

  /**
   * The files the rendered configuration reads (credential `*_file` fields and templates), for
   * checking them against what the Alertmanager pod mounts. Empty while the configuration itself
   * is invalid (its own validation reports that).
   */
  public filesRead(): string[] {
    if (this.validate().length > 0) return [];
    return filesReadByAlertmanagerConfig(parse(renderAlertmanagerConfig(this.configModel())));
  }

  /** The configuration as a typed model. */
  public configModel(): AlertmanagerConfigModel {
    const all = [...this.receivers, ...this.tenants.flatMap((t) => t.receivers.filter((r): r is Receiver => r instanceof Receiver))];
    const byName = new Map(this.receivers.map((r) => [r.name, r]));
    const tenants: TenantRouting[] = this.tenants.map((t) => ({
      tenant: t.tenant,
      receivers: t.receivers.flatMap((r) => (r instanceof Receiver ? [r] : byName.has(r) ? [byName.get(r) as Receiver] : [])),
      unresolved: t.receivers.filter((r): r is string => typeof r === 'string' && !byName.has(r)),
      activeTimeIntervals: t.opts.activeTimeIntervals,
    }));
    const usable = [...new Set(all)].filter((r) => this.profile.receivers.includes(r.kind));
    return {
      route: buildRouteTree({
        profile: this.profile,
        platformReceivers: this.receivers,
        tenants,
        extraRoutes: this.routes,
        groupBy: this.props.groupBy,
        defaultReceiver: this.props.defaultReceiver,
      }),
      receivers: usable,
      inhibitRules: this.inhibitRules,
      timeIntervals: this.timeIntervals,
    };
  }

  /** Every problem of the whole configuration (empty when valid). */
  public validate(): string[] {
    const declared: DeclaredSecrets = this.secrets;
    return validateAlertmanagerConfig(this.configModel(), declared, this);
  }

  /**
   * Tenant routes for tenants the app does not have (a route that can never match, such as a misspelt id), when the
   * app has tenants at all: an app that holds only the routing, for tenants deployed elsewhere, is not checked.
   */
  private unregisteredTenantRoutes(): string[] {
    const registered = registeredTenants(this);
    if (registered.size === 0) return [];
    const allowed = `a tenant of the app (a TenantMonitoringStack or MonitoringPlatform.addTenant): one of ${[...registered].sort().join(', ')}`;
    return this.tenants.filter((t) => !registered.has(t.tenant))
      .map((t) => new ValidationError(this, 'tenantRoute.tenant', t.tenant, allowed, 'no such tenant').message);
  }

  /**
   * The rendered `alertmanager.yaml`. Throws the first validation problem.
   * @param opts mount directories; tests point them at temporary files
   */
  public renderConfig(opts: AlertmanagerRenderOptions = {}): string {
    const problems = this.validate();
    if (problems.length > 0) throw new Error(problems.join('\n'));
    return renderAlertmanagerConfig(this.configModel(), opts);
  }

  /** The notification template file (`notifications.tmpl`). */
  public renderTemplates(): string {
    return renderNotificationTemplates({ grafanaUrl: this.props.grafanaUrl });
  }

  private renderSecretData(): Record<string, string> {
    return { [ALERTMANAGER_CONFIG_KEY]: this.renderConfig(), [TEMPLATE_FILE_NAME]: this.renderTemplates() };
  }
}
