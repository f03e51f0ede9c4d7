import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareTrees, listFiles } from '../../scripts/docs';

const ROOT = path.resolve(__dirname, '../..');

describe('API reference', () => {
  test('docs/api is what `npm run docs` generates from the current sources', () => {
    const result = spawnSync('npm', ['run', '--silent', 'docs:check'], { cwd: ROOT, encoding: 'utf8' });
    // On failure the output lists the files that differ and the command that regenerates them.
    expect(`${result.stdout}${result.stderr}`).toMatch(/^docs[/\\]api is current \(\d+ files\)$/m);
    expect(result.status).toBe(0);
  }, 90_000);

  test('documents the public API and the Pulumi adapter', () => {
    const files = listFiles(path.join(ROOT, 'docs', 'api'));
    expect(files).toEqual(expect.arrayContaining([
      'README.md',
      'cdk8s-tenant-monitoring/classes/TenantMonitoringStack.md',
      'pulumi/classes/CdkAppResources.md',
      'pulumi/functions/planDeployment.md',
    ]));
    const stack = fs.readFileSync(path.join(ROOT, 'docs', 'api', 'pulumi', 'classes', 'CdkAppResources.md'), 'utf8');
    expect(stack).toContain('one Pulumi\nresource per Kubernetes object');
  });
});

describe('compareTrees', () => {
  test('names missing, extra and changed files', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-trees-'));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
        fs.writeFileSync(path.join(base, file), text);
      };
      write('committed/same.md', 'a');
      write('committed/old.md', 'x');
      write('committed/sub/changed.md', 'before');
      write('generated/same.md', 'a');
      write('generated/new.md', 'y');
      write('generated/sub/changed.md', 'after');
      expect(compareTrees(path.join(base, 'committed'), path.join(base, 'generated'))).toEqual(['missing: new.md', 'extra: old.md', 'changed: sub/changed.md']);
      expect(compareTrees(path.join(base, 'generated'), path.join(base, 'generated'))).toEqual([]);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
