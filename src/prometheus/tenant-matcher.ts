import { parser } from '@prometheus-io/lezer-promql';
import { ErrorLocation, ValidationError } from '../core/errors';
import { findPromQLError, PROMQL_ALLOWED } from '../core/validation';

/** One edit to the expression text, derived from a syntax-tree node's position. */
interface Splice {
  readonly at: number;
  readonly text: string;
}

/** A lezer syntax node, as much of it as the rewriter reads. */
interface Node {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly children: Node[];
}

/** Syntax trees by expression (the same pack expressions are rewritten for every tenant). Bounded. */
const TREES = new Map<string, Node>();
const TREE_CACHE_LIMIT = 20_000;

function toNodes(expr: string): Node {
  const cached = TREES.get(expr);
  if (cached) return cached;
  const root = buildNodes(expr);
  if (TREES.size >= TREE_CACHE_LIMIT) TREES.clear();
  TREES.set(expr, root);
  return root;
}

function buildNodes(expr: string): Node {
  const tree = parser.parse(expr);
  const stack: Node[] = [];
  let root: Node | undefined;
  tree.iterate({
    enter(ref) {
      const node: Node = { name: ref.type.name, from: ref.from, to: ref.to, children: [] };
      if (stack.length > 0) stack[stack.length - 1].children.push(node);
      else root = node;
      stack.push(node);
    },
    leave() {
      stack.pop();
    },
  });
  return root as Node;
}

function findAll(node: Node, name: string, out: Node[] = []): Node[] {
  if (node.name === name) out.push(node);
  for (const c of node.children) findAll(c, name, out);
  return out;
}

/** The label name a matcher node matches on, unquoted. */
function matcherLabel(expr: string, matcher: Node): string | undefined {
  const nameNode = matcher.children.find((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName');
  if (!nameNode) return undefined;
  const raw = expr.slice(nameNode.from, nameNode.to);
  return nameNode.name === 'QuotedLabelName' ? (JSON.parse(raw) as string) : raw;
}

/** A PromQL string literal for `value`. */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** One label matcher of a selector. */
export interface PromQLMatcher {
  /** Label name. */
  readonly label: string;
  /** Match operator: `=`, `!=`, `=~` or `!~`. */
  readonly op: string;
  /** Unquoted value. */
  readonly value: string;
}

/** One vector selector of an expression: its metric name (when it has one) and its label matchers. */
export interface PromQLSelector {
  /** The metric name, from the identifier, a quoted name or `__name__="…"`; `undefined` when the selector has none. */
  readonly metric: string | undefined;
  /** Label matchers as written, in order. */
  readonly matchers: readonly PromQLMatcher[];
}

const MATCHER_NODES = ['UnquotedLabelMatcher', 'QuotedLabelMatcher'];

function describeSelector(expr: string, selector: Node): PromQLSelector {
  const braces = selector.children.find((c) => c.name === 'LabelMatchers');
  const matchers: PromQLMatcher[] = (braces?.children ?? []).filter((m) => MATCHER_NODES.includes(m.name)).map((m) => {
    const op = m.children.find((c) => c.name === 'MatchOp');
    const lit = m.children.find((c) => c.name === 'StringLiteral');
    return { label: matcherLabel(expr, m) ?? '', op: op ? expr.slice(op.from, op.to) : '', value: lit ? parseStringLiteral(expr.slice(lit.from, lit.to)) : '' };
  });
  const id = selector.children.find((c) => c.name === 'Identifier');
  const quoted = braces?.children.find((c) => c.name === 'QuotedLabelName');
  const metric = id ? expr.slice(id.from, id.to)
    : quoted ? (JSON.parse(expr.slice(quoted.from, quoted.to)) as string)
      : matchers.find((m) => m.label === '__name__' && m.op === '=')?.value;
  return { metric, matchers };
}

/** Every vector selector of a PromQL expression, in source order. */
export function listSelectors(expr: string): PromQLSelector[] {
  return findAll(toNodes(expr), 'VectorSelector').map((s) => describeSelector(expr, s));
}

/** The distinct metric names an expression reads, sorted. */
export function listMetricNames(expr: string): string[] {
  return [...new Set(selectorMetricNames(expr))].sort();
}

/** Options of {@link injectLabelMatcher}. */
export interface InjectOptions {
  /** Which selectors get the matcher, by metric name. @default - every selector */
  readonly applies?: (metric: string | undefined) => boolean;
  /** Where errors are reported. @default '<promql>' */
  readonly location?: ErrorLocation;
  /** The field reported in errors. @default 'expr' */
  readonly field?: string;
}

/**
 * Add a label matcher to every vector selector of a PromQL expression (or those `applies` to) by
 * rewriting its syntax tree: tenant rules get `tenant="<id>"`, tenant dashboards `tenant="$tenant"`.
 *
 * - Selectors without braces get `{matcher}` after the metric name.
 * - Selectors with braces get the matcher as their first matcher.
 * - A selector that already has exactly this matcher is left alone (the rewrite is idempotent).
 * - A selector that already matches the label any other way (another value or operator) is an
 *   error: it would read another tenant's data or contradict the scope.
 *
 * Everything else in the expression (functions, `by`/`on` clauses, offsets, whitespace) is kept
 * byte for byte.
 */
export function injectLabelMatcher(expr: string, matcher: PromQLMatcher, opts: InjectOptions = {}): string {
  const location = opts.location ?? '<promql>';
  const field = opts.field ?? 'expr';
  const syntax = findPromQLError(expr);
  if (syntax) throw new ValidationError(location, field, expr, PROMQL_ALLOWED, syntax.message);
  const wanted = `${matcher.label}${matcher.op}${promqlString(matcher.value)}`;
  const splices: Splice[] = [];
  for (const selector of findAll(toNodes(expr), 'VectorSelector')) {
    const described = describeSelector(expr, selector);
    if (opts.applies && !opts.applies(described.metric)) continue;
    const existing = described.matchers.filter((m) => m.label === matcher.label);
    if (existing.length > 0) {
      const same = existing.length === 1 && existing[0].op === matcher.op && existing[0].value === matcher.value;
      if (!same) {
        throw new ValidationError(location, field, expr, `selectors without a '${matcher.label}' matcher, or with exactly ${wanted}`,
          `selector ${expr.slice(selector.from, selector.to)} already constrains '${matcher.label}'`);
      }
      continue;
    }
    const braces = selector.children.find((c) => c.name === 'LabelMatchers');
    if (!braces) splices.push({ at: selector.to, text: `{${wanted}}` });
    else splices.push({ at: braces.from + 1, text: braces.children.length > 0 ? `${wanted}, ` : wanted });
  }
  let out = expr;
  for (const s of splices.sort((a, b) => b.at - a.at)) out = out.slice(0, s.at) + s.text + out.slice(s.at);
  return out;
}

/**
 * Add `label="value"` to every vector selector of a PromQL expression (see
 * {@link injectLabelMatcher}), so every series a tenant's rule reads belongs to the tenant.
 */
export function injectTenantMatcher(expr: string, label: string, value: string, location: ErrorLocation = '<promql>', field: string = 'expr'): string {
  return injectLabelMatcher(expr, { label, op: '=', value }, { location, field });
}

/** Decode a PromQL string literal ("..." or '...' with Go escapes, or `raw`). */
export function parseStringLiteral(raw: string): string {
  if (raw.startsWith('`')) return raw.slice(1, -1);
  const body = raw.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" } as Record<string, string>)[c] ?? c);
}

/** For each vector selector, the values its `label` matchers require (used by tests and policy checks). */
export function selectorLabelValues(expr: string, label: string): string[][] {
  return listSelectors(expr).map((s) => s.matchers.filter((m) => m.label === label).map((m) => m.value));
}

/** The metric names read by an expression's vector selectors, in source order. */
export function selectorMetricNames(expr: string): string[] {
  return listSelectors(expr).flatMap((s) => (s.metric === undefined ? [] : [s.metric]));
}
