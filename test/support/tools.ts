import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Resolve an external tool that a test depends on.
 *
 * A missing tool is an error, never a skip: CI installs every tool in `.ci/run`, so a test that
 * cannot find its tool must fail loudly instead of passing silently.
 */
export function requireTool(name: string, hint: string = `install it (see .ci/run)`): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '' || !fs.existsSync(path)) {
    throw new Error(`required tool '${name}' was not found on PATH; ${hint}`);
  }
  return path;
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
