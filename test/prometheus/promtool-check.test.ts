import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { requireTool, runTool } from '../support/tools';
import { ENVIRONMENT_NAMES, ofKind, synthEnvironment } from '../support/synth';

const promtool = requireTool('promtool');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(ENVIRONMENT_NAMES)('promtool check rules on every PrometheusRule of %s', (env) => {
  const rules = ofKind(synthEnvironment(env).objects, 'PrometheusRule');

  test('there are rules to check', () => {
    expect(rules.length).toBeGreaterThan(0);
  });

  test.each(rules.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r] as const))('%s passes', (name, rule) => {
    const file = path.join(dir, `${env}-${name.replace('/', '_')}.yaml`);
    fs.writeFileSync(file, stringify(rule.spec));
    const out = runTool(promtool, ['check', 'rules', file]);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });
});

describe('promtool itself', () => {
  test('rejects an invalid rule file (the check can fail)', () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'rate(up[5m]' }] }] }));
    expect(() => runTool(promtool, ['check', 'rules', file])).toThrow(/exited 1/);
  });
});
