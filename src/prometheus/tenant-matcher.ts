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

/**
 * Add `label="value"` to every vector selector of a PromQL expression by rewriting its syntax
 * tree, so every series the rule reads belongs to one tenant.
 *
 * - Selectors without braces get `{label="value"}` after the metric name.
 * - Selectors with braces get the matcher as their first matcher.
 * - A selector that already has exactly `label="value"` is left alone (the rewrite is idempotent).
 * - A selector that already matches the label any other way (another value, `!=`, `=~`) is an
 *   error: it would read another tenant's data or contradict the scope.
 *
 * Everything else in the expression (functions, `by`/`on` clauses, offsets, whitespace) is kept
 * byte for byte.
 */
export function injectTenantMatcher(expr: string, label: string, value: string, location: ErrorLocation = '<promql>', field: string = 'expr'): string {
  const syntax = findPromQLError(expr);
  if (syntax) throw new ValidationError(location, field, expr, PROMQL_ALLOWED, syntax.message);
  const wanted = `${label}=${promqlString(value)}`;
  const root = toNodes(expr);
  const splices: Splice[] = [];
  for (const selector of findAll(root, 'VectorSelector')) {
    const matchers = selector.children.find((c) => c.name === 'LabelMatchers');
    if (!matchers) {
      splices.push({ at: selector.to, text: `{${wanted}}` });
      continue;
    }
    const existing = matchers.children.filter((m) => (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') && matcherLabel(expr, m) === label);
    if (existing.length > 0) {
      const ok = existing.length === 1 && isExactly(expr, existing[0], value);
      if (!ok) {
        throw new ValidationError(location, field, expr, `selectors without a '${label}' matcher, or with exactly ${wanted}`,
          `selector ${expr.slice(selector.from, selector.to)} already constrains '${label}'`);
      }
      continue;
    }
    const hasOther = matchers.children.some((m) => m.name.endsWith('LabelMatcher') || m.name === 'QuotedLabelName');
    splices.push({ at: matchers.from + 1, text: hasOther ? `${wanted}, ` : wanted });
  }
  let out = expr;
  for (const s of splices.sort((a, b) => b.at - a.at)) out = out.slice(0, s.at) + s.text + out.slice(s.at);
  return out;
}

function isExactly(expr: string, matcher: Node, value: string): boolean {
  const op = matcher.children.find((c) => c.name === 'MatchOp');
  const lit = matcher.children.find((c) => c.name === 'StringLiteral');
  if (!op || !lit || expr.slice(op.from, op.to) !== '=') return false;
  return parseStringLiteral(expr.slice(lit.from, lit.to)) === value;
}

/** Decode a PromQL string literal ("..." or '...' with Go escapes, or `raw`). */
export function parseStringLiteral(raw: string): string {
  if (raw.startsWith('`')) return raw.slice(1, -1);
  const body = raw.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" } as Record<string, string>)[c] ?? c);
}

/** For each vector selector, the values its `label` matchers require (used by tests and policy checks). */
export function selectorLabelValues(expr: string, label: string): string[][] {
  const root = toNodes(expr);
  return findAll(root, 'VectorSelector').map((selector) => {
    const matchers = selector.children.find((c) => c.name === 'LabelMatchers');
    if (!matchers) return [];
    return matchers.children
      .filter((m) => (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') && matcherLabel(expr, m) === label)
      .map((m) => {
        const lit = m.children.find((c) => c.name === 'StringLiteral');
        return lit ? parseStringLiteral(expr.slice(lit.from, lit.to)) : '';
      });
  });
}

/** The metric names read by an expression's vector selectors (for dashboards and lint checks). */
export function selectorMetricNames(expr: string): string[] {
  const root = toNodes(expr);
  const names: string[] = [];
  for (const selector of findAll(root, 'VectorSelector')) {
    const id = selector.children.find((c) => c.name === 'Identifier');
    if (id) names.push(expr.slice(id.from, id.to));
  }
  return names;
}
