/**
 * Notification templates (Go `text/template`, as Alertmanager reads them). Every notification
 * carries the tenant, the summary, the runbook and a dashboard link.
 */

/** The names of the templates defined by `renderNotificationTemplates`, used by the receivers. */
export const TEMPLATE_NAMES = {
  /** One-line title: status, alert name, tenant. */
  title: 'tm.title',
  /** The dashboard link: the alert's `dashboard_url` annotation, else the Grafana URL. */
  dashboardUrl: 'tm.dashboard_url',
  /** Chat body (Slack, Teams) with one block per alert. */
  chatText: 'tm.chat.text',
  /** Discord body (plain text with Markdown). */
  discordText: 'tm.discord.text',
  /** E-mail subject. */
  emailSubject: 'tm.email.subject',
  /** E-mail HTML body. */
  emailHtml: 'tm.email.html',
  /** PagerDuty description. */
  pagerdutyDescription: 'tm.pagerduty.description',
} as const;

/** The file name of the templates inside the configuration Secret. */
export const TEMPLATE_FILE_NAME = 'notifications.tmpl';

/** `{{ template "name" . }}` for a template defined by `renderNotificationTemplates`. */
export function templateCall(name: string): string {
  return `{{ template "${name}" . }}`;
}

/** Options of the notification templates. */
export interface NotificationTemplateOptions {
  /**
   * Grafana's URL, linked when an alert has no `dashboard_url` annotation.
   * @default - Alertmanager's external URL
   */
  readonly grafanaUrl?: string;
}

/** Render the notification template file. */
export function renderNotificationTemplates(opts: NotificationTemplateOptions = {}): string {
  // `$` is the notification data in every block, also inside `range .Alerts` and `with`.
  const fallback = opts.grafanaUrl !== undefined ? goString(opts.grafanaUrl) : '$.ExternalURL';
  const t = TEMPLATE_NAMES;
  return `{{/* Notification templates rendered by cdk8s-tenant-monitoring. */}}

{{ define "${t.title}" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ with .CommonLabels.tenant }} (tenant {{ . }}){{ end }}{{ end }}

{{ define "${t.dashboardUrl}" }}{{ with .CommonAnnotations.dashboard_url }}{{ . }}{{ else }}{{ ${fallback} }}{{ end }}{{ end }}

{{ define "${t.chatText}" }}{{ range .Alerts }}*{{ .Annotations.summary }}*
Tenant: {{ with .Labels.tenant }}{{ . }}{{ else }}platform{{ end }} | Severity: {{ .Labels.severity }}{{ with .Labels.escalation }} | Level: {{ . }}{{ end }}
{{ .Annotations.description }}
Runbook: {{ .Annotations.runbook_url }}
Dashboard: {{ with .Annotations.dashboard_url }}{{ . }}{{ else }}{{ ${fallback} }}{{ end }}
{{ end }}{{ end }}

{{ define "${t.discordText}" }}{{ range .Alerts }}**{{ .Annotations.summary }}**
Tenant: {{ with .Labels.tenant }}{{ . }}{{ else }}platform{{ end }} | Severity: {{ .Labels.severity }}
{{ .Annotations.description }}
Runbook: <{{ .Annotations.runbook_url }}>
Dashboard: <{{ with .Annotations.dashboard_url }}{{ . }}{{ else }}{{ ${fallback} }}{{ end }}>
{{ end }}{{ end }}

{{ define "${t.emailSubject}" }}{{ template "${t.title}" . }}{{ end }}

{{ define "${t.emailHtml}" }}<html><body>
<h2>{{ template "${t.title}" . }}</h2>
{{ range .Alerts }}<div>
<h3>{{ .Annotations.summary }}</h3>
<p><b>Tenant:</b> {{ with .Labels.tenant }}{{ . }}{{ else }}platform{{ end }} &middot; <b>Severity:</b> {{ .Labels.severity }} &middot; <b>Started:</b> {{ .StartsAt }}</p>
<p>{{ .Annotations.description }}</p>
<p><a href="{{ .Annotations.runbook_url }}">Runbook</a> &middot; <a href="{{ with .Annotations.dashboard_url }}{{ . }}{{ else }}{{ ${fallback} }}{{ end }}">Dashboard</a></p>
</div>{{ end }}
</body></html>{{ end }}

{{ define "${t.pagerdutyDescription}" }}{{ .CommonLabels.alertname }}{{ with .CommonLabels.tenant }} [{{ . }}]{{ end }}: {{ .CommonAnnotations.summary }}{{ end }}
`;
}

/** A Go template string literal. */
function goString(value: string): string {
  return JSON.stringify(value);
}
