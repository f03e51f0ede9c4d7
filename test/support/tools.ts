import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where `scripts/fetch-test-tools.sh` unpacks the Debian sid binaries (gitignored). */
export const SID_TOOLS_BIN = path.join(__dirname, '..', '..', '.cache', 'tools', 'sid', 'root', 'usr', 'bin');

/** The command that fetches the tools of {@link SID_TOOLS_BIN}. */
export const FETCH_TOOLS_COMMAND = 'bash scripts/fetch-test-tools.sh';

/**
 * Tools that must come from {@link SID_TOOLS_BIN}: the releases the manifests deploy. A copy on
 * PATH (bookworm's prometheus 2.42 or alertmanager 0.25) is never used in their place.
 */
export const SID_TOOLS = ['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'prometheus-pushgateway', 'prometheus-node-exporter'] as const;

/**
 * Resolve an external tool that a test depends on: the Prometheus family from the fetched Debian
 * sid folder, anything else from PATH.
 *
 * A missing tool is an error, never a skip: CI fetches and installs every tool in `.ci/run`, so a
 * test that cannot find its tool must fail loudly, naming the command that provides it.
 */
export function requireTool(name: string, hint: string = `install it (see .ci/run)`): string {
  if ((SID_TOOLS as readonly string[]).includes(name)) {
    const file = path.join(SID_TOOLS_BIN, name);
    if (!fs.existsSync(file)) {
      throw new Error(`required tool '${name}' was not found at ${file}; fetch it with: ${FETCH_TOOLS_COMMAND}`);
    }
    return file;
  }
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const resolved = found.stdout.trim();
  if (found.status !== 0 || resolved === '' || !fs.existsSync(resolved)) {
    throw new Error(`required tool '${name}' was not found on PATH; ${hint}`);
  }
  return resolved;
}

/** Data files Debian's builds read from a fixed /usr/share/prometheus (fetched beside the binaries). */
const SID_TOOLS_SHARE = path.join(SID_TOOLS_BIN, '..', 'share');

/**
 * Tools whose Debian build reads files from a fixed /usr/share/prometheus path: Debian's
 * Alertmanager loads its default notification templates from
 * /usr/share/prometheus/alertmanager/default.tmpl instead of embedding them.
 */
const READS_DEBIAN_SHARE: readonly string[] = ['prometheus-alertmanager'];

/** A resolved command line: the program to spawn and its arguments. */
export interface ToolCommand {
  readonly file: string;
  readonly args: string[];
}

/**
 * The command line that runs `name` with `args`. A tool that reads Debian's fixed
 * /usr/share/prometheus path runs in its own mount namespace in which the fetched
 * `usr/share` is laid over /usr/share (a read-only overlay), so it finds its files without
 * anything being installed on the machine; the process keeps one pid (no fork), so signals sent
 * to the spawned child reach the tool itself.
 */
export function toolCommand(name: string, args: readonly string[]): ToolCommand {
  const file = requireTool(name);
  if (!READS_DEBIAN_SHARE.includes(name)) return { file, args: [...args] };
  const unshare = requireTool('unshare', 'it ships with util-linux');
  if (process.getuid?.() !== 0) {
    throw new Error(`'${name}' reads /usr/share/prometheus; the tests lay the fetched files over it in a private mount namespace, which needs root (run the tests as root, as .ci/run does)`);
  }
  return {
    file: unshare,
    args: ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t overlay overlay -o "lowerdir=$0:/usr/share" /usr/share && exec "$@"', SID_TOOLS_SHARE, file, ...args],
  };
}

/** Debian's system python (with python3-scipy and python3-sklearn), not a pyenv shim. */
export function requireSystemPython(modules: readonly string[]): string {
  const python = '/usr/bin/python3';
  if (!fs.existsSync(python)) {
    throw new Error(`required tool '${python}' was not found; apt-get install -y python3 ${modules.map((m) => `python3-${m}`).join(' ')}`);
  }
  for (const m of modules) {
    const r = spawnSync(python, ['-c', `import ${m}`], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`python module '${m}' is not importable by ${python}; apt-get install -y python3-${m === 'sklearn' ? 'sklearn' : m}`);
    }
  }
  return python;
}

/** Run a tool and return its combined output; throws with the output when it exits non-zero. */
export function runTool(file: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): string {
  try {
    return execFileSync(file, args as string[], { encoding: 'utf8', cwd: opts.cwd, input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`${file} ${args.join(' ')} exited ${err.status}:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}
