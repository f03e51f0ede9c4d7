import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Matcher } from '../../src/core/matcher';
import { requireTool, runTool } from '../support/tools';

/**
 * The library's matcher validation and evaluation against Alertmanager's own, through amtool at the
 * deployed release: every pattern the library accepts, amtool accepts, and every pattern it refuses,
 * amtool refuses; for accepted patterns, both route the same label values the same way.
 */
const amtool = requireTool('amtool');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'matcher-amtool-'));

/** A configuration with one route on `team<op>"<pattern>"` to receiver `hit`, and `miss` as the default. */
function writeConfig(name: string, matcher: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [
    'route:',
    '  receiver: miss',
    '  routes:',
    '    - receiver: hit',
    `      matchers: [${JSON.stringify(matcher)}]`,
    'receivers:',
    '  - name: miss',
    '  - name: hit',
    '',
  ].join('\n'));
  return file;
}

function amtoolAccepts(file: string): { ok: boolean; output: string } {
  const r = spawnSync(amtool, ['check-config', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function libraryAccepts(pattern: string): boolean {
  try {
    Matcher.regex('team', pattern);
    return true;
  } catch {
    return false;
  }
}

// RE2 (Go) and JavaScript regular expressions disagree on each of these in one direction or the other.
const PATTERNS: ReadonlyArray<[string, 'accepted' | 'refused']> = [
  ['(?i)db', 'accepted'],
  ['(?s)a.b', 'accepted'],
  ['(?U)a+', 'accepted'],
  ['(?P<team>db)', 'accepted'],
  ['[[:alpha:]]+', 'accepted'],
  ['\\pL+', 'accepted'],
  ['\\Qa.b\\E', 'accepted'],
  ['db|web', 'accepted'],
  ['\\d{2,3}', 'accepted'],
  ['\\z', 'accepted'],
  ['(?=db).*', 'refused'],
  ['(?!db).*', 'refused'],
  ['(?<=a)b', 'refused'],
  ['(a)\\1', 'refused'],
  ['a*+', 'refused'],
  ['\\Z', 'refused'],
  ['a{1001}', 'refused'],
  ['[a-', 'refused'],
  ['(db', 'refused'],
];

const VALUES = ['db', 'DB', 'web', 'a.b', 'aXb', 'aa', '', '12', '1234', 'x', 'Ünïcode'];

describe('Matcher regular expressions agree with Alertmanager (amtool check-config and routes test)', () => {
  test.each(PATTERNS)('%s is %s by both', (pattern, expected) => {
    const file = writeConfig(`check-${PATTERNS.findIndex(([p]) => p === pattern)}`, `team=~${JSON.stringify(pattern)}`);
    const am = amtoolAccepts(file);
    expect({ pattern, amtool: am.ok ? 'accepted' : 'refused' }).toEqual({ pattern, amtool: expected });
    expect({ pattern, library: libraryAccepts(pattern) ? 'accepted' : 'refused' }).toEqual({ pattern, library: expected });
  });

  test.each(PATTERNS.filter(([, e]) => e === 'accepted').map(([p]) => p))('%s routes every value as Alertmanager does', (pattern) => {
    const matcher = Matcher.regex('team', pattern);
    const file = writeConfig(`route-${PATTERNS.findIndex(([p]) => p === pattern)}`, matcher.toString());
    const disagreements: string[] = [];
    for (const value of VALUES) {
      const receiver = runTool(amtool, ['config', 'routes', 'test', `--config.file=${file}`, `team=${JSON.stringify(value)}`]).trim();
      const library = matcher.matches({ team: value }) ? 'hit' : 'miss';
      if (receiver !== library) disagreements.push(`${JSON.stringify(value)}: amtool ${receiver}, library ${library}`);
    }
    expect(disagreements).toEqual([]);
  });
});
