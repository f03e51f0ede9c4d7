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
export const SID_TOOLS = [
  'prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'prometheus-pushgateway', 'prometheus-node-exporter',
  'prometheus-postgres-exporter', 'prometheus-redis-exporter', 'prometheus-blackbox-exporter',
] as const;

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

/** Options of {@link toolCommand}. */
export interface ToolCommandOptions {
  /**
   * A hosts file the tool sees as /etc/hosts (bind-mounted in its own mount namespace), so names
   * in a synthesized configuration resolve to loopback stand-ins without being rewritten.
   * @default - the machine's /etc/hosts
   */
  readonly hostsFile?: string;
}

/**
 * The command line that runs `name` with `args`. A tool that reads Debian's fixed
 * /usr/share/prometheus path, or that gets its own hosts file, runs in its own mount namespace:
 * the fetched `usr/share` is laid over /usr/share (a read-only overlay) and the hosts file is
 * bind-mounted on /etc/hosts, so nothing on the machine changes. The process keeps one pid (no
 * fork), so signals sent to the spawned child reach the tool itself.
 */
export function toolCommand(name: string, args: readonly string[], opts: ToolCommandOptions = {}): ToolCommand {
  const file = requireTool(name);
  const share = READS_DEBIAN_SHARE.includes(name);
  if (!share && !opts.hostsFile) return { file, args: [...args] };
  const unshare = requireTool('unshare', 'it ships with util-linux');
  if (process.getuid?.() !== 0) {
    throw new Error(`'${name}' runs in a private mount namespace here (Debian's /usr/share/prometheus files, a test hosts file), which needs root; run the tests as root, as .ci/run does`);
  }
  // $0: the share folder to lay over /usr/share (or ''), $1: the hosts file (or '').
  const script = '{ [ -z "$0" ] || mount -t overlay overlay -o "lowerdir=$0:/usr/share" /usr/share; } && { [ -z "$1" ] || mount --bind "$1" /etc/hosts; } && shift && exec "$@"';
  return {
    file: unshare,
    args: ['--mount', '--propagation', 'private', 'sh', '-c', script, share ? SID_TOOLS_SHARE : '', opts.hostsFile ?? '', file, ...args],
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
