/** `npm run synth` as users run it: the bundled command, its output and its failures. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function synth(env: Record<string, string>) {
  const r = spawnSync('npm', ['run', '--silent', 'synth'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...env }, timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

describe('npm run synth', () => {
  let work: string;
  beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-command-')); });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes the selected environment and lists it', () => {
    const out = path.join(work, 'dist');
    const r = synth({ MONITORING_ENV: 'dev', OUTPUT_DIR: out });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${path.join(out, 'dev')}: 4 manifest file(s)\n`);
    expect(r.status).toBe(0);
  }, 60_000);

  test.each([
    [{ MONITORING_ENV: 'qa' }, 'MONITORING_ENV: got "qa"; allowed: one of dev, staging, prod, or unset for all'],
    [{ PROMETHEUS_URL: 'prometheus:9090' }, 'environment variables: PROMETHEUS_URL: got "prometheus:9090"; allowed: an absolute http:// or https:// URL'],
  ])('fails %j with the message first, no stack frames, nothing written', (env, message) => {
    const out = path.join(work, 'dist');
    const r = synth({ ...env, OUTPUT_DIR: out });
    expect(r.stderr).toBe(`synth failed, nothing was written:\n${message}\n`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);
});
