import { ESCALATION_LEVELS, EscalationLevel, ReceiverKind } from '../core/environment';
import { ErrorLocation, ValidationError } from '../core/errors';
import { validateUrl } from '../core/validation';
import { SecretKeyRef } from '../core/secret-ref';
import { ALERTMANAGER_SECRETS_DIRECTORY, alertmanagerSecretPath } from './secret-ref';
import { templateCall, TEMPLATE_NAMES } from './templates';
import { definedOnly } from './util';

/** Options every receiver takes. */
export interface ReceiverOptions {
  /** The receiver's name, unique in one Alertmanager configuration. */
  readonly name: string;
  /**
   * The escalation levels this receiver serves.
   * @default - by kind: webhook L1; slack, discord and teams L1 and L2; email L2; pagerduty L3
   */
  readonly levels?: ReadonlyArray<EscalationLevel>;
  /** Whether resolved alerts are notified too. @default true */
  readonly sendResolved?: boolean;
  /**
   * For a platform receiver: whether tenant alerts at its levels reach it too, next to the
   * tenant's own receivers (automation must see every tenant's alerts).
   * @default - true for webhook receivers, false for the others
   */
  readonly shared?: boolean;
}

/** A Slack incoming webhook. */
export interface SlackReceiverOptions extends ReceiverOptions {
  /** The Secret key holding the webhook URL (read through `api_url_file`). */
  readonly webhookUrl: SecretKeyRef;
  /** The channel, e.g. `#acme-alerts`. */
  readonly channel: string;
}

/** E-mail through an SMTP smarthost. */
export interface EmailReceiverOptions extends ReceiverOptions {
  /** Recipient address(es), comma-separated as Alertmanager expects. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** SMTP server as `host:port`. */
  readonly smarthost: string;
  /** SMTP user name. @default - no SMTP authentication */
  readonly authUsername?: string;
  /** The Secret key holding the SMTP password (read through `auth_password_file`). @default - no password */
  readonly authPassword?: SecretKeyRef;
  /** Whether STARTTLS is required. @default true */
  readonly requireTls?: boolean;
}

/** PagerDuty Events API v2. */
export interface PagerDutyReceiverOptions extends ReceiverOptions {
  /** The Secret key holding the integration (routing) key (read through `routing_key_file`). */
  readonly routingKey: SecretKeyRef;
  /** Events API URL. @default - Alertmanager's default, https://events.pagerduty.com/v2/enqueue */
  readonly url?: string;
}

/** A Discord webhook. */
export interface DiscordReceiverOptions extends ReceiverOptions {
  /** The Secret key holding the webhook URL (read through `webhook_url_file`, Alertmanager 0.27+). */
  readonly webhookUrl: SecretKeyRef;
}

/** A Microsoft Teams incoming webhook. */
export interface TeamsReceiverOptions extends ReceiverOptions {
  /** The Secret key holding the webhook URL (read through `webhook_url_file`, Alertmanager 0.27+). */
  readonly webhookUrl: SecretKeyRef;
}

/** A generic webhook, e.g. the remediation controller. */
export interface WebhookReceiverOptions extends ReceiverOptions {
  /** The webhook URL (an in-cluster Service URL; not a credential). */
  readonly url: string;
  /** The Secret key holding the bearer token (read through `http_config.authorization.credentials_file`). @default - no authorization header */
  readonly bearerToken?: SecretKeyRef;
  /** Largest number of alerts in one request. @default 0 (all) */
  readonly maxAlerts?: number;
}

/** How a receiver is rendered: where secrets are mounted. */
export interface ReceiverRenderContext {
  /** Directory the credential Secrets are mounted under. @default '/etc/alertmanager/secrets' */
  readonly secretsDirectory?: string;
}

/** A receiver in Alertmanager's format (`{ name, slack_configs: [...] }`). */
export type RenderedReceiver = { readonly name: string } & Record<string, unknown>;

/** The levels each kind serves unless told otherwise. */
export const DEFAULT_RECEIVER_LEVELS: Readonly<Record<ReceiverKind, ReadonlyArray<EscalationLevel>>> = {
  webhook: ['L1'],
  slack: ['L1', 'L2'],
  discord: ['L1', 'L2'],
  teams: ['L1', 'L2'],
  email: ['L2'],
  pagerduty: ['L3'],
};

const RECEIVER_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;
const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;

type ConfigBuilder = (secrets: string) => Record<string, unknown>;

/**
 * A notification channel: a value object built by the factories (`Receiver.slack({...})`,
 * `Receiver.pagerduty({...})`, …). Credentials are `SecretKeyRef`s; the rendered configuration reads
 * them from the mounted Secret files, never inline.
 */
export class Receiver {
  /** A Slack channel (`slack_configs` with `api_url_file`). */
  public static slack(opts: SlackReceiverOptions): Receiver {
    const loc = receiverLocation(opts);
    if (typeof opts.channel !== 'string' || !/^[#@]?[^\s]{1,80}$/.test(opts.channel)) {
      throw new ValidationError(loc, 'channel', opts.channel, 'a Slack channel such as #team-alerts (no spaces, at most 80 characters)');
    }
    requireSecret(opts.webhookUrl, loc, 'webhookUrl');
    return new Receiver(opts, 'slack', [opts.webhookUrl], (dir) => ({
      slack_configs: [{
        send_resolved: opts.sendResolved ?? true,
        api_url_file: alertmanagerSecretPath(opts.webhookUrl, dir),
        channel: opts.channel,
        title: templateCall(TEMPLATE_NAMES.title),
        title_link: templateCall(TEMPLATE_NAMES.dashboardUrl),
        text: templateCall(TEMPLATE_NAMES.chatText),
      }],
    }));
  }

  /** E-mail (`email_configs` with `auth_password_file`). */
  public static email(opts: EmailReceiverOptions): Receiver {
    const loc = receiverLocation(opts);
    const to = typeof opts.to === 'string' ? opts.to.split(',').map((s) => s.trim()) : [];
    if (to.length === 0 || !to.every((a) => EMAIL.test(a))) {
      throw new ValidationError(loc, 'to', opts.to, 'one or more e-mail addresses separated by commas');
    }
    if (typeof opts.from !== 'string' || !EMAIL.test(opts.from)) throw new ValidationError(loc, 'from', opts.from, 'an e-mail address');
    if (typeof opts.smarthost !== 'string' || !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(opts.smarthost)) {
      throw new ValidationError(loc, 'smarthost', opts.smarthost, 'an SMTP server as host:port, e.g. smtp.example.com:587');
    }
    if (opts.authPassword !== undefined) {
      requireSecret(opts.authPassword, loc, 'authPassword');
      if (!opts.authUsername) throw new ValidationError(loc, 'authUsername', opts.authUsername, 'a user name whenever authPassword is set');
    }
    return new Receiver(opts, 'email', opts.authPassword ? [opts.authPassword] : [], (dir) => ({
      email_configs: [definedOnly({
        send_resolved: opts.sendResolved ?? true,
        to: opts.to,
        from: opts.from,
        smarthost: opts.smarthost,
        auth_username: opts.authUsername,
        auth_password_file: opts.authPassword ? alertmanagerSecretPath(opts.authPassword, dir) : undefined,
        require_tls: opts.requireTls ?? true,
        headers: { Subject: templateCall(TEMPLATE_NAMES.emailSubject) },
        html: templateCall(TEMPLATE_NAMES.emailHtml),
      })],
    }));
  }

  /** PagerDuty (`pagerduty_configs` with `routing_key_file`). */
  public static pagerduty(opts: PagerDutyReceiverOptions): Receiver {
    const loc = receiverLocation(opts);
    requireSecret(opts.routingKey, loc, 'routingKey');
    if (opts.url !== undefined) validateUrl(opts.url, loc, 'url');
    return new Receiver(opts, 'pagerduty', [opts.routingKey], (dir) => ({
      pagerduty_configs: [definedOnly({
        send_resolved: opts.sendResolved ?? true,
        routing_key_file: alertmanagerSecretPath(opts.routingKey, dir),
        url: opts.url,
        description: templateCall(TEMPLATE_NAMES.pagerdutyDescription),
        severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else if eq .CommonLabels.severity "warning" }}warning{{ else }}info{{ end }}',
        details: {
          tenant: '{{ .CommonLabels.tenant }}',
          summary: '{{ .CommonAnnotations.summary }}',
          runbook: '{{ .CommonAnnotations.runbook_url }}',
          dashboard: templateCall(TEMPLATE_NAMES.dashboardUrl),
        },
      })],
    }));
  }

  /** Discord (`discord_configs` with `webhook_url_file`; the field needs Alertmanager 0.27 or later). */
  public static discord(opts: DiscordReceiverOptions): Receiver {
    return Receiver.urlFileChat(opts, 'discord', 'discord_configs', { message: templateCall(TEMPLATE_NAMES.discordText) });
  }

  /** Microsoft Teams (`msteams_configs` with `webhook_url_file`; needs Alertmanager 0.27 or later). */
  public static msteams(opts: TeamsReceiverOptions): Receiver {
    return Receiver.urlFileChat(opts, 'teams', 'msteams_configs', { text: templateCall(TEMPLATE_NAMES.chatText) });
  }

  /** A generic webhook (`webhook_configs`), e.g. the remediation controller, with a bearer token file. */
  public static webhook(opts: WebhookReceiverOptions): Receiver {
    const loc = receiverLocation(opts);
    validateUrl(opts.url, loc, 'url');
    if (hasCredentials(opts.url)) throw new ValidationError(loc, 'url', opts.url, 'a URL without user name or password (use bearerToken)');
    if (opts.bearerToken !== undefined) requireSecret(opts.bearerToken, loc, 'bearerToken');
    const maxAlerts = opts.maxAlerts ?? 0;
    if (!Number.isInteger(maxAlerts) || maxAlerts < 0) throw new ValidationError(loc, 'maxAlerts', opts.maxAlerts, 'a whole number of at least 0');
    return new Receiver(opts, 'webhook', opts.bearerToken ? [opts.bearerToken] : [], (dir) => ({
      webhook_configs: [definedOnly({
        send_resolved: opts.sendResolved ?? true,
        url: opts.url,
        max_alerts: maxAlerts,
        http_config: opts.bearerToken ? { authorization: { type: 'Bearer', credentials_file: alertmanagerSecretPath(opts.bearerToken, dir) } } : undefined,
      })],
    }));
  }

  /** A chat integration whose only credential is a webhook URL read from `webhook_url_file`. */
  private static urlFileChat(opts: DiscordReceiverOptions, kind: ReceiverKind, configs: string, body: Record<string, string>): Receiver {
    requireSecret(opts.webhookUrl, receiverLocation(opts), 'webhookUrl');
    return new Receiver(opts, kind, [opts.webhookUrl], (dir) => ({
      [configs]: [{
        send_resolved: opts.sendResolved ?? true,
        webhook_url_file: alertmanagerSecretPath(opts.webhookUrl, dir),
        title: templateCall(TEMPLATE_NAMES.title),
        ...body,
      }],
    }));
  }

  /** The receiver's name. */
  public readonly name: string;
  /** The kind of channel (matches `EnvironmentProfile.receivers`). */
  public readonly kind: ReceiverKind;
  /** The escalation levels it serves. */
  public readonly levels: ReadonlyArray<EscalationLevel>;
  /** The Secret keys its rendered configuration reads. */
  public readonly secretRefs: ReadonlyArray<SecretKeyRef>;
  /** Whether, as a platform receiver, it also receives tenant alerts at its levels. */
  public readonly shared: boolean;

  private constructor(opts: ReceiverOptions, kind: ReceiverKind, secretRefs: SecretKeyRef[], private readonly build: ConfigBuilder) {
    const loc = receiverLocation(opts);
    if (typeof opts.name !== 'string' || opts.name.length > 128 || !RECEIVER_NAME.test(opts.name)) {
      throw new ValidationError(loc, 'name', opts.name, 'a receiver name: 1-128 characters of A-Z a-z 0-9 - _ ., starting with a letter or digit');
    }
    const levels = opts.levels ?? DEFAULT_RECEIVER_LEVELS[kind];
    if (levels.length === 0 || levels.some((l) => !ESCALATION_LEVELS.includes(l))) {
      throw new ValidationError(loc, 'levels', levels, `one or more of ${ESCALATION_LEVELS.join(', ')}`);
    }
    this.name = opts.name;
    this.kind = kind;
    this.levels = [...new Set(levels)];
    this.secretRefs = secretRefs;
    this.shared = opts.shared ?? kind === 'webhook';
  }

  /** The receiver in Alertmanager's format. */
  public render(ctx: ReceiverRenderContext = {}): RenderedReceiver {
    return { name: this.name, ...this.build(ctx.secretsDirectory ?? ALERTMANAGER_SECRETS_DIRECTORY) };
  }
}

function receiverLocation(opts: ReceiverOptions): string {
  return `receiver(${typeof opts?.name === 'string' ? opts.name : '?'})`;
}

function requireSecret(ref: SecretKeyRef, location: ErrorLocation, field: string): void {
  if (!(ref instanceof SecretKeyRef)) {
    throw new ValidationError(location, field, ref, 'a SecretKeyRef (SecretKeyRef.of(secretName, key)); credentials are never inlined');
  }
}

function hasCredentials(url: string): boolean {
  const u = new URL(url);
  return u.username !== '' || u.password !== '';
}
