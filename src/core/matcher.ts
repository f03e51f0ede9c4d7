import { RE2JS } from 're2js';
import { ErrorLocation, ValidationError } from './errors';
import { LABEL_NAME_ALLOWED } from './validation';

/** A matcher operator, as in Alertmanager's `matchers`. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

const MATCH_OPERATORS: ReadonlyArray<MatchOperator> = ['=', '!=', '=~', '!~'];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** Allowed text for a matcher. */
export const MATCHER_ALLOWED = 'a matcher label<op>"value" with a label name [a-zA-Z_][a-zA-Z0-9_]*, op one of = != =~ !~, and a valid RE2 regular expression (Go syntax, as Alertmanager reads it) for =~ and !~';

/** Anchored regular expressions by source: matchers are evaluated for every alert the controller receives. */
const ANCHORED = new Map<string, RE2JS>();

/**
 * The matcher's regular expression as Alertmanager compiles it: Go's RE2 syntax (so `(?i)` flags are accepted and
 * lookarounds and backreferences are not), anchored as `^(?:…)$`.
 */
function anchored(source: string): RE2JS {
  let re = ANCHORED.get(source);
  if (re === undefined) {
    re = RE2JS.compile(`^(?:${source})$`);
    ANCHORED.set(source, re);
  }
  return re;
}

/** The value of a matcher as written: quoted with `\"`, `\\` and `\n` escapes, or bare. Returns an error text when malformed. */
function unquote(raw: string): { value: string } | { problem: string } {
  if (!raw.startsWith('"')) {
    return /["\s,{}]/.test(raw) ? { problem: 'an unquoted value must not contain quotes, spaces, commas or braces' } : { value: raw };
  }
  if (raw.length < 2 || !raw.endsWith('"')) return { problem: 'unterminated quoted value' };
  let out = '';
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[++i];
      if (next === 'n') out += '\n';
      else if (next === '"' || next === '\\') out += next;
      else return { problem: `unknown escape '\\${next ?? ''}'` };
    } else if (c === '"') {
      return { problem: 'unescaped quote inside the value' };
    } else {
      out += c;
    }
  }
  return { value: out };
}

/**
 * One Alertmanager label matcher (`label="value"`, `!=`, `=~`, `!~`) with Alertmanager's
 * semantics: regular expressions are fully anchored and a missing label matches as the empty
 * string. Routes, inhibit rules and the remediation policy all use it.
 */
export class Matcher {
  /** `label="value"`. */
  public static eq(label: string, value: string): Matcher {
    return Matcher.of(label, '=', value);
  }
  /** `label!="value"`. */
  public static notEq(label: string, value: string): Matcher {
    return Matcher.of(label, '!=', value);
  }
  /** `label=~"regex"` (anchored). */
  public static regex(label: string, pattern: string): Matcher {
    return Matcher.of(label, '=~', pattern);
  }
  /** `label!~"regex"` (anchored). */
  public static notRegex(label: string, pattern: string): Matcher {
    return Matcher.of(label, '!~', pattern);
  }

  /** Parse `label<op>"value"` (the value may be bare when it has no quotes, spaces, commas or braces). */
  public static parse(text: string, location: ErrorLocation = '<matcher>', field: string = 'matcher'): Matcher {
    const m = typeof text === 'string' ? MATCHER.exec(text) : null;
    if (!m) throw new ValidationError(location, field, text, MATCHER_ALLOWED);
    const value = unquote(m[3]);
    if ('problem' in value) throw new ValidationError(location, field, text, MATCHER_ALLOWED, value.problem);
    return Matcher.of(m[1], m[2] as MatchOperator, value.value, location, field);
  }

  /** A matcher from its parts; throws `ValidationError` for a bad label, operator or regex. */
  public static of(label: string, op: MatchOperator, value: string, location: ErrorLocation = '<matcher>', field: string = 'matcher'): Matcher {
    if (typeof label !== 'string' || !LABEL_NAME.test(label)) throw new ValidationError(location, field, label, LABEL_NAME_ALLOWED, 'bad label name');
    if (!MATCH_OPERATORS.includes(op)) throw new ValidationError(location, field, op, MATCHER_ALLOWED, 'bad operator');
    if (typeof value !== 'string') throw new ValidationError(location, field, value, MATCHER_ALLOWED, 'value must be a string');
    if (op === '=~' || op === '!~') {
      try {
        anchored(value);
      } catch (e) {
        throw new ValidationError(location, field, `${label}${op}${JSON.stringify(value)}`, MATCHER_ALLOWED, `invalid regular expression: ${(e as Error).message}`);
      }
    }
    return new Matcher(label, op, value);
  }

  private constructor(
    /** The label name. */
    public readonly label: string,
    /** The operator. */
    public readonly op: MatchOperator,
    /** The value or regular expression (unanchored, as written). */
    public readonly value: string,
  ) {}

  /** Whether `labels` satisfy this matcher (a missing label counts as the empty string, as in Alertmanager). */
  public matches(labels: Readonly<Record<string, string>>): boolean {
    const v = labels[this.label] ?? '';
    switch (this.op) {
      case '=': return v === this.value;
      case '!=': return v !== this.value;
      case '=~': return anchored(this.value).matches(v);
      default: return !anchored(this.value).matches(v);
    }
  }

  /** `label<op>"value"`, Alertmanager's matcher syntax (the value always quoted). */
  public toString(): string {
    return `${this.label}${this.op}${JSON.stringify(this.value)}`;
  }
}
