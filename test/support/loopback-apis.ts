import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { requireTool, runTool } from './tools';

/**
 * Stand-ins on loopback for the notification APIs Alertmanager calls: Slack, Discord and
 * Microsoft Teams incoming webhooks, PagerDuty's Events API v2, a bearer-token webhook, and an
 * SMTP server. Each checks the request the way its API would (the payload shape, the
 * credentials) and records what arrived; a request that fails a check is answered with an error
 * and recorded in {@link LoopbackApis.problems}.
 *
 * They listen on one address of 127.0.0.0/8 chosen at random (so parallel test runs do not meet)
 * on the ports the real services use (443, 587, and the webhook's port), with one self-signed
 * certificate for every host name; the client resolves the real host names to that address
 * through its own hosts file ({@link LoopbackApis.hostsFile}) and trusts the certificate
 * through `SSL_CERT_FILE`. That needs root for the ports below 1024.
 */

/** One notification a stand-in accepted. */
export interface Delivery {
  /** Which API: `slack`, `discord`, `teams`, `pagerduty`, `webhook` or `email`. */
  readonly api: string;
  /** Where it was sent: the URL (host and path), or for e-mail the recipients. */
  readonly target: string;
  /** The body: parsed JSON, or for e-mail the message as received after DATA. */
  readonly body: unknown;
  /** The raw text, for searching. */
  readonly text: string;
  /** When it arrived (`Date.now()`). */
  readonly at: number;
}

/** What the stand-ins expect. */
export interface LoopbackApisOptions {
  /** Host names served over HTTPS on port 443 (the certificate covers them). */
  readonly httpsHosts: ReadonlyArray<string>;
  /** The bearer-token webhook: its host name, port and the token it requires. */
  readonly webhook: { readonly host: string; readonly port: number; readonly token: string };
  /** The SMTP server: its host name, port and the password it requires for AUTH. */
  readonly smtp: { readonly host: string; readonly port: number; readonly username: string; readonly password: string };
  /** The PagerDuty routing keys it accepts. */
  readonly pagerdutyRoutingKeys: ReadonlyArray<string>;
  /** A directory for the certificate and the hosts file. */
  readonly dir: string;
}

type Json = Record<string, unknown>;
type Check = (body: Json, req: http.IncomingMessage) => string | undefined;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** Request checks per API, after the documented payloads of each. */
const CHECKS: Record<string, Check> = {
  // https://api.slack.com/messaging/webhooks: text, or attachments with a title or text each.
  slack: (b) => (Array.isArray(b.attachments) && b.attachments.length > 0 && b.attachments.every((a) => isObject(a) && (nonEmptyString(a.title) || nonEmptyString(a.text))))
    || nonEmptyString(b.text) ? undefined : 'a Slack message needs text or attachments with a title or text',
  // https://discord.com/developers/docs/resources/webhook#execute-webhook: content or embeds.
  discord: (b) => nonEmptyString(b.content) || (Array.isArray(b.embeds) && b.embeds.length > 0 && b.embeds.length <= 10 && b.embeds.every((e) => isObject(e) && (nonEmptyString(e.title) || nonEmptyString(e.description))))
    ? undefined : 'a Discord webhook call needs content or 1-10 embeds with a title or description',
  // Office 365 connector MessageCard (what msteams_configs sends; Alertmanager names the type
  // field `type`, which Teams accepts beside `@type`), or an adaptive-card message.
  teams: (b) => ((b['@type'] === 'MessageCard' || b.type === 'MessageCard') && b['@context'] === 'http://schema.org/extensions' && nonEmptyString(b.text))
    || (b.type === 'message' && Array.isArray(b.attachments))
    ? undefined : 'a Teams webhook call needs a MessageCard (schema.org/extensions) with text, or an adaptive-card message',
  // https://developer.pagerduty.com/api-reference/368ae3d938c9e-send-an-event-to-pager-duty
  pagerduty: (b) => {
    if (!['trigger', 'acknowledge', 'resolve'].includes(String(b.event_action))) return `event_action must be trigger, acknowledge or resolve, got ${String(b.event_action)}`;
    if (!nonEmptyString(b.routing_key)) return 'routing_key is missing';
    if (b.event_action !== 'trigger') return nonEmptyString(b.dedup_key) ? undefined : 'dedup_key is missing';
    const p = b.payload;
    if (!isObject(p) || !nonEmptyString(p.summary) || !nonEmptyString(p.source)) return 'a trigger needs payload.summary and payload.source';
    if (String(p.summary).length > 1024) return 'payload.summary is longer than 1024 characters';
    return ['critical', 'error', 'warning', 'info'].includes(String(p.severity)) ? undefined : `payload.severity must be critical, error, warning or info, got ${String(p.severity)}`;
  },
  // https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
  webhook: (b) => b.version === '4' && nonEmptyString(b.receiver) && nonEmptyString(b.status) && Array.isArray(b.alerts) && b.alerts.length > 0
    ? undefined : 'an Alertmanager webhook payload needs version "4", receiver, status and alerts',
};

/** The API a Slack, Discord, Teams or PagerDuty request is for, from its host and path. */
function apiOf(host: string, url: string): string | undefined {
  if (host === 'hooks.slack.com' && url.startsWith('/services/')) return 'slack';
  if ((host === 'discord.com' || host === 'discordapp.com') && /^\/api\/webhooks\/\d+\/[\w-]+/.test(url)) return 'discord';
  if (host.endsWith('.webhook.office.com') && url.startsWith('/webhookb2/')) return 'teams';
  if (host === 'events.pagerduty.com' && url === '/v2/enqueue') return 'pagerduty';
  return undefined;
}

/** The stand-ins, listening. */
export class LoopbackApis {
  /** Start every stand-in on a random loopback address. */
  public static async start(opts: LoopbackApisOptions): Promise<LoopbackApis> {
    const address = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const apis = new LoopbackApis(opts, address);
    await apis.listen();
    return apis;
  }

  /** Everything accepted, in arrival order. */
  public readonly deliveries: Delivery[] = [];
  /** Every request that failed its API's checks. */
  public readonly problems: string[] = [];
  /** The certificate the client must trust (PEM). */
  public readonly caFile: string;
  /** A hosts file that resolves every served name to {@link address}. */
  public readonly hostsFile: string;
  private readonly key: string;
  private readonly servers: net.Server[] = [];

  private constructor(private readonly opts: LoopbackApisOptions, public readonly address: string) {
    const names = [...opts.httpsHosts, opts.smtp.host];
    this.caFile = path.join(opts.dir, 'stand-ins.crt');
    this.key = path.join(opts.dir, 'stand-ins.key');
    runTool(requireTool('openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.key, '-out', this.caFile, '-days', '1',
      '-subj', '/CN=loopback stand-ins', '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
    this.hostsFile = path.join(opts.dir, 'hosts');
    fs.writeFileSync(this.hostsFile, `127.0.0.1 localhost\n${[...names, opts.webhook.host].map((n) => `${address} ${n}`).join('\n')}\n`);
  }

  /** Deliveries of one API whose text mentions `word` as a whole word (e.g. an alert name). */
  public of(api: string, word?: string): Delivery[] {
    const re = word === undefined ? undefined : new RegExp(`(^|[^\\w])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`);
    return this.deliveries.filter((d) => d.api === api && (re === undefined || re.test(d.text)));
  }

  /** Close every listener. */
  public async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private record(api: string, target: string, text: string, body: unknown): void {
    this.deliveries.push({ api, target, body, text, at: Date.now() });
  }

  private async listen(): Promise<void> {
    const cert = fs.readFileSync(this.caFile);
    const key = fs.readFileSync(this.key);
    const httpsServer = https.createServer({ cert, key }, (req, res) => this.onApiRequest(req, res));
    const webhookServer = http.createServer((req, res) => this.onWebhookRequest(req, res));
    const smtpServer = net.createServer((socket) => this.onSmtpConnection(socket, tls.createSecureContext({ cert, key })));
    await Promise.all([
      [httpsServer, 443], [webhookServer, this.opts.webhook.port], [smtpServer, this.opts.smtp.port],
    ].map(([server, port]) => new Promise<void>((resolve, reject) => {
      const s = server as net.Server;
      this.servers.push(s);
      s.once('error', reject);
      s.listen(port as number, this.address, () => resolve());
    })));
  }

  private readBody(req: http.IncomingMessage, then: (text: string) => void): void {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString(); });
    req.on('end', () => then(text));
  }

  private reject(res: http.ServerResponse, status: number, problem: string): void {
    this.problems.push(problem);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(problem);
  }

  private onApiRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const url = req.url ?? '';
    this.readBody(req, (text) => {
      const api = apiOf(host, url);
      if (!api) return this.reject(res, 404, `no API at https://${host}${url}`);
      if (req.method !== 'POST') return this.reject(res, 405, `${api}: ${req.method} instead of POST`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return this.reject(res, 400, `${api}: content-type ${String(req.headers['content-type'])}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return this.reject(res, 400, `${api}: the body is not JSON: ${text.slice(0, 200)}`);
      }
      if (!isObject(body)) return this.reject(res, 400, `${api}: the body is not a JSON object`);
      const problem = CHECKS[api](body, req);
      if (problem) return this.reject(res, 400, `${api}: ${problem}: ${text.slice(0, 300)}`);
      if (api === 'pagerduty' && !this.opts.pagerdutyRoutingKeys.includes(String(body.routing_key))) {
        return this.reject(res, 400, `pagerduty: unknown routing_key ${String(body.routing_key)}`);
      }
      this.record(api, `${host}${url}`, text, body);
      if (api === 'pagerduty') {
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }));
      } else if (api === 'discord') {
        res.writeHead(204).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(api === 'teams' ? '1' : 'ok');
      }
    });
  }

  private onWebhookRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.readBody(req, (text) => {
      const host = String(req.headers.host ?? '');
      if (req.headers.authorization !== `Bearer ${this.opts.webhook.token}`) {
        return this.reject(res, 401, `webhook: Authorization ${JSON.stringify(req.headers.authorization)} instead of the mounted bearer token`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return this.reject(res, 400, `webhook: the body is not JSON: ${text.slice(0, 200)}`);
      }
      const problem = isObject(body) ? CHECKS.webhook(body, req) : 'the body is not a JSON object';
      if (problem) return this.reject(res, 400, `webhook: ${problem}`);
      this.record('webhook', `${host}${req.url ?? ''}`, text, body);
      res.writeHead(200).end('ok');
    });
  }

  /**
   * Enough of RFC 5321 for Alertmanager: EHLO/HELO, STARTTLS (RFC 3207), AUTH PLAIN and LOGIN
   * (RFC 4954, only after STARTTLS), MAIL, RCPT, DATA, RSET, NOOP, QUIT.
   */
  private onSmtpConnection(plain: net.Socket, context: tls.SecureContext): void {
    let socket: net.Socket = plain;
    let secure = false;
    let authenticated = false;
    let buffer = '';
    let inData = false;
    let loginStep: 'user' | 'password' | undefined;
    let loginUser = '';
    let from = '';
    let to: string[] = [];
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    const fail = (code: number, problem: string): void => {
      this.problems.push(`smtp: ${problem}`);
      reply(`${code} ${problem}`);
    };
    const checkAuth = (user: string, password: string) => {
      if (user === this.opts.smtp.username && password === this.opts.smtp.password) {
        authenticated = true;
        reply('235 2.7.0 Authentication successful');
      } else fail(535, `authentication failed for ${user}`);
    };
    const onLine = (line: string): void => {
      if (inData) {
        if (line === '.') {
          inData = false;
          const message = buffer;
          buffer = '';
          this.record('email', to.join(','), message, message);
          from = '';
          to = [];
          reply('250 2.0.0 OK queued');
        } else buffer += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
        return;
      }
      if (loginStep) {
        const value = Buffer.from(line, 'base64').toString('utf8');
        if (loginStep === 'user') {
          loginUser = value;
          loginStep = 'password';
          reply(`334 ${Buffer.from('Password:').toString('base64')}`);
        } else {
          loginStep = undefined;
          checkAuth(loginUser, value);
        }
        return;
      }
      const [verb, ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          socket.write(`250-${this.opts.smtp.host} greets ${arg}\r\n${secure ? `250-AUTH PLAIN LOGIN\r\n` : '250-STARTTLS\r\n'}250 8BITMIME\r\n`);
          return;
        case 'HELO':
          return reply(`250 ${this.opts.smtp.host}`);
        case 'STARTTLS': {
          if (secure) return fail(503, 'STARTTLS twice');
          reply('220 2.0.0 Ready to start TLS');
          plain.removeAllListeners('data');
          const upgraded = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
          upgraded.on('data', onData);
          upgraded.on('error', (e) => this.problems.push(`smtp: TLS: ${e.message}`));
          socket = upgraded;
          secure = true;
          return;
        }
        case 'AUTH': {
          if (!secure) return fail(538, 'AUTH before STARTTLS');
          const [mech, initial] = arg.split(' ');
          if (mech.toUpperCase() === 'PLAIN') {
            if (!initial) return fail(501, 'AUTH PLAIN without an initial response');
            const [, user, password] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
            return checkAuth(user, password);
          }
          if (mech.toUpperCase() === 'LOGIN') {
            loginStep = 'user';
            return reply(`334 ${Buffer.from('Username:').toString('base64')}`);
          }
          return fail(504, `unsupported AUTH mechanism ${mech}`);
        }
        case 'MAIL':
          if (!secure || !authenticated) return fail(530, 'MAIL before STARTTLS and AUTH');
          from = arg.replace(/^FROM:/i, '').trim();
          return reply('250 2.1.0 OK');
        case 'RCPT':
          if (!from) return fail(503, 'RCPT before MAIL');
          to.push(arg.replace(/^TO:/i, '').trim().replace(/^<|>$/g, ''));
          return reply('250 2.1.5 OK');
        case 'DATA':
          if (to.length === 0) return fail(503, 'DATA before RCPT');
          inData = true;
          buffer = '';
          return reply('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
          from = '';
          to = [];
          return reply('250 2.0.0 OK');
        case 'NOOP':
          return reply('250 2.0.0 OK');
        case 'QUIT':
          reply('221 2.0.0 Bye');
          socket.end();
          return;
        default:
          return fail(502, `command not implemented: ${verb}`);
      }
    };
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      let i: number;
      while ((i = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 2);
        onLine(line);
      }
    };
    plain.on('data', onData);
    plain.on('error', () => undefined);
    reply(`220 ${this.opts.smtp.host} ESMTP loopback stand-in`);
  }
}
