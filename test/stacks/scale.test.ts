import { App } from 'cdk8s';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROD } from '../../src/core/environment';
import { synthesizeApp } from '../../src/core/synth';
import { createEnvironment } from '../../stacks/environment-stack';
import { INDEX_SETUP_BATCH } from '../../stacks/platform-stack';
import { ExampleTenant } from '../../stacks/tenants';

// Timing is measured by `npm run bench`; this checks that a large environment synthesizes at all
// (every size limit holds) and splits what must be split.
test('an environment with 100 tenants synthesizes, with the index setup split into batches', () => {
  const tenants: ExampleTenant[] = Array.from({ length: 100 }, (_, i) => ({ id: `t-${i}`, contacts: { team: `team-${i}` }, autoscaling: [], models: [] }));
  const app = new App({ outdir: path.join(os.tmpdir(), 'unused') });
  createEnvironment(app, { profile: PROD, tenants });
  const charts = synthesizeApp(app);
  expect(charts).toHaveLength(101);
  const plans = charts[0].objects.filter((o) => o.kind === 'ConfigMap' && String((o.metadata as { name: string }).name).endsWith('-plan'));
  expect(plans).toHaveLength(Math.ceil(100 / INDEX_SETUP_BATCH));
});
