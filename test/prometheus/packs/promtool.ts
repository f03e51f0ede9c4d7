import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RenderedGroup, RenderedRule } from '../../../src/prometheus/model';
import { requireTool, runTool } from '../../support/tools';

/** One input series in promtool's expanding notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** An alert expected at `evalTime`: the labels the expression yields (rule labels are added). */
export interface ExpectedAlert {
  readonly evalTime: string;
  /** Labels of each expected alert as the expression yields them; empty list = must not fire. */
  readonly alerts: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** One promtool test case for one alert. */
export interface AlertTestCase {
  readonly name: string;
  readonly alert: string;
  readonly interval: string;
  readonly evaluationInterval?: string;
  readonly series: ReadonlyArray<InputSeries>;
  readonly expect: ReadonlyArray<ExpectedAlert>;
}

/**
 * Expand the `{{ $labels.x }}` references of an annotation the way Prometheus does (from the
 * expression's labels). Anything else in braces is refused, so pack annotations stay predictable.
 */
export function expandTemplate(text: string, labels: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const ref = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (!ref) throw new Error(`annotation template {{ ${inner} }} is not a plain $labels reference`);
    return labels[ref[1]] ?? '';
  });
}

function findAlert(groups: ReadonlyArray<RenderedGroup>, alert: string): RenderedRule {
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`alert ${alert} is not in the rendered groups`);
  return rule;
}

/** The promtool `tests` entry of one case, expected labels and annotations computed from the rendered rule. */
export function promtoolTest(groups: ReadonlyArray<RenderedGroup>, c: AlertTestCase): Record<string, unknown> {
  const rule = findAlert(groups, c.alert);
  return {
    name: c.name,
    interval: c.interval,
    input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: c.expect.map((e) => ({
      eval_time: e.evalTime,
      alertname: c.alert,
      exp_alerts: e.alerts.map((exprLabels) => ({
        exp_labels: { ...exprLabels, ...(rule.labels ?? {}) },
        exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expandTemplate(v, exprLabels)])),
      })),
    })),
  };
}

/**
 * Write `groups` and the cases to a temporary directory, run `promtool check rules` and
 * `promtool test rules`, and return promtool's output (throws with it on failure).
 */
export function runPromtool(groups: ReadonlyArray<RenderedGroup>, cases: ReadonlyArray<AlertTestCase>, evaluationInterval: string = '1m'): string {
  const promtool = requireTool('promtool');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }, { lineWidth: 0 }));
    const check = runTool(promtool, ['check', 'rules', 'rules.yaml'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: evaluationInterval,
      tests: cases.map((c) => promtoolTest(groups, c)),
    }, { lineWidth: 0 }));
    return check + runTool(promtool, ['test', 'rules', 'tests.yaml'], { cwd: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
