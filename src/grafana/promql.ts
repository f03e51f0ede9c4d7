import { parser } from '@prometheus-io/lezer-promql';

// The node type of the tree the parser returns (kept local so @lezer/common need not be a direct dependency).
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** A syntax error found in a PromQL expression, with its character offset. */
export interface PromQLSyntaxError {
  /** Offset of the error in the expression. */
  readonly from: number;
  /** Text around the error. */
  readonly near: string;
}

/** One vector selector of an expression: the metric name (when it has one) and its label matchers. */
export interface PromQLSelector {
  /** The metric name, from the identifier or an `__name__="…"` matcher; `undefined` when the selector has neither. */
  readonly metric: string | undefined;
  /** Label matchers as written, e.g. `tenant="$tenant"`. */
  readonly matchers: readonly PromQLMatcher[];
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

/** Syntax errors of a PromQL expression (empty when it parses), using the Prometheus project's own lezer grammar. */
export function findPromQLSyntaxErrors(expr: string): readonly PromQLSyntaxError[] {
  const errors: PromQLSyntaxError[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) {
        errors.push({ from: node.from, near: expr.slice(Math.max(0, node.from - 10), node.from + 10) });
      }
    },
  });
  if (expr.trim() === '') {
    errors.push({ from: 0, near: '' });
  }
  return errors;
}

function unquote(literal: string): string {
  // PromQL strings use Go escaping; the dashboards only need the plain content between the quotes.
  return literal.slice(1, -1).replace(/\\(["'\\])/g, '$1');
}

function readMatchers(matchers: SyntaxNode | null, expr: string): PromQLMatcher[] {
  const result: PromQLMatcher[] = [];
  for (let child = matchers?.firstChild ?? null; child !== null; child = child.nextSibling) {
    const label = child.getChild('LabelName');
    const op = child.getChild('MatchOp');
    const value = child.getChild('StringLiteral');
    if (label !== null && op !== null && value !== null) {
      result.push({ label: expr.slice(label.from, label.to), op: expr.slice(op.from, op.to), value: unquote(expr.slice(value.from, value.to)) });
    }
  }
  return result;
}

function selectorNodes(expr: string): SyntaxNode[] {
  const nodes: SyntaxNode[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === 'VectorSelector') {
        nodes.push(node.node);
      }
    },
  });
  return nodes;
}

function describeSelector(node: SyntaxNode, expr: string): PromQLSelector {
  const identifier = node.getChild('Identifier');
  const matchers = readMatchers(node.getChild('LabelMatchers'), expr);
  const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
  const metric = identifier !== null ? expr.slice(identifier.from, identifier.to) : byName?.value;
  return { metric, matchers };
}

/** Every vector selector in a PromQL expression, in source order. */
export function listSelectors(expr: string): readonly PromQLSelector[] {
  return selectorNodes(expr).map((node) => describeSelector(node, expr));
}

/** The distinct metric names an expression reads, sorted. */
export function listMetricNames(expr: string): readonly string[] {
  const names = new Set<string>();
  for (const s of listSelectors(expr)) {
    if (s.metric !== undefined) {
      names.add(s.metric);
    }
  }
  return [...names].sort();
}

/**
 * Add a label matcher to every vector selector of an expression whose metric `applies` to, by editing the parse
 * tree's positions (never by string concatenation of the whole query).
 *
 * @throws Error when the expression does not parse, or when a selector already matches on the label.
 */
export function injectLabelMatcher(expr: string, matcher: PromQLMatcher, applies: (metric: string | undefined) => boolean): string {
  const syntax = findPromQLSyntaxErrors(expr);
  if (syntax.length > 0) {
    throw new Error(`cannot add ${matcher.label} matcher: expression does not parse near '${syntax[0]!.near}': ${expr}`);
  }
  const text = `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)}`;
  const edits: { at: number; insert: string }[] = [];
  for (const node of selectorNodes(expr)) {
    const selector = describeSelector(node, expr);
    if (!applies(selector.metric)) {
      continue;
    }
    if (selector.matchers.some((m) => m.label === matcher.label)) {
      throw new Error(`selector of '${selector.metric ?? '{…}'}' already matches on '${matcher.label}'; leave that label to the dashboard: ${expr}`);
    }
    const braces = node.getChild('LabelMatchers');
    if (braces === null) {
      edits.push({ at: node.to, insert: `{${text}}` });
    } else {
      edits.push({ at: braces.from + 1, insert: selector.matchers.length > 0 ? `${text}, ` : text });
    }
  }
  let out = expr;
  for (const edit of edits.sort((a, b) => b.at - a.at)) {
    out = out.slice(0, edit.at) + edit.insert + out.slice(edit.at);
  }
  return out;
}
