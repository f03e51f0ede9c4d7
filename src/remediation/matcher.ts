/**
 * Alertmanager label matchers (`name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`)
 * with Alertmanager semantics: regular expressions are fully anchored and a missing label matches
 * as the empty string.
 */

/** A matcher operator, as written in Alertmanager's matcher syntax. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One parsed label matcher. */
export interface LabelMatcher {
  /** Label name (Prometheus label name syntax). */
  readonly name: string;
  /** The operator. */
  readonly op: MatchOperator;
  /** The literal value or, for `=~`/`!~`, the regular expression source (unanchored as written). */
  readonly value: string;
}

/** Raised when a matcher string cannot be parsed. */
export class MatcherSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherSyntaxError';
  }
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;
const regexCache = new Map<string, RegExp>();

function unquote(raw: string, text: string): string {
  if (!raw.startsWith('"')) {
    if (/["\s,{}]/.test(raw)) {
      throw new MatcherSyntaxError(`matcher '${text}': an unquoted value must not contain quotes, spaces, commas or braces`);
    }
    return raw;
  }
  if (raw.length < 2 || !raw.endsWith('"')) {
    throw new MatcherSyntaxError(`matcher '${text}': unterminated quoted value`);
  }
  let out = '';
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[++i];
      if (next === 'n') out += '\n';
      else if (next === '"' || next === '\\') out += next;
      else throw new MatcherSyntaxError(`matcher '${text}': unknown escape '\\${next ?? ''}'`);
    } else if (c === '"') {
      throw new MatcherSyntaxError(`matcher '${text}': unescaped quote inside the value`);
    } else {
      out += c;
    }
  }
  return out;
}

function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (re === undefined) {
    re = new RegExp(`^(?:${source})$`, 's');
    regexCache.set(source, re);
  }
  return re;
}

/**
 * Parse one matcher in Alertmanager syntax, e.g. `severity=~"critical|warning"`.
 * @throws MatcherSyntaxError naming the matcher and what is wrong with it
 */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER.exec(text);
  if (m === null) {
    throw new MatcherSyntaxError(`matcher '${text}': expected <label><op>"<value>" with op one of =, !=, =~, !~`);
  }
  const [, name, op, raw] = m;
  const value = unquote(raw, text);
  const matcher: LabelMatcher = { name, op: op as MatchOperator, value };
  if (op === '=~' || op === '!~') {
    try {
      anchored(value);
    } catch (e) {
      throw new MatcherSyntaxError(`matcher '${text}': invalid regular expression: ${(e as Error).message}`);
    }
  }
  return matcher;
}

/** Render a matcher back to Alertmanager syntax (the value is always quoted). */
export function renderMatcher(m: LabelMatcher): string {
  if (!LABEL_NAME.test(m.name)) {
    throw new MatcherSyntaxError(`matcher label name '${m.name}' is not a valid label name`);
  }
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/** Whether one matcher accepts the labels (a missing label is the empty string). */
export function matchesOne(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

/** Whether every matcher accepts the labels (an empty list matches nothing, by policy choice). */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.length > 0 && matchers.every((m) => matchesOne(m, labels));
}
