import { runTool } from './tools';

/**
 * The upstream release a Prometheus-family tool reports in `--version`, e.g. `3.5.3` from
 * `promtool, version 3.5.3+ds1 (branch: debian/sid, revision: 3.5.3+ds1-6)`: the packaging
 * suffixes (`+ds1`, `-6`) are not part of the upstream release.
 */
export function reportedVersion(output: string): string {
  const m = /^\s*[\w-]+, version v?(\d+\.\d+\.\d+)(?:[+~-][^\s]*)?\s/m.exec(output);
  if (!m) throw new Error(`no '<name>, version X.Y.Z' line in: ${output.slice(0, 200)}`);
  return m[1];
}

/** A release as deployed (`v3.5.3`, an image tag `…:v1.11.2`) without its `v`, e.g. `3.5.3`. */
export function deployedVersion(versionOrImage: string): string {
  const tag = versionOrImage.includes(':') ? versionOrImage.slice(versionOrImage.lastIndexOf(':') + 1) : versionOrImage;
  const m = /^v?(\d+\.\d+\.\d+)$/.exec(tag);
  if (!m) throw new Error(`not a release version or a tagged image: ${versionOrImage}`);
  return m[1];
}

/**
 * Why the tested tool is not the deployed release, or `undefined` when they are the same:
 * `deployed` is what the manifests pin (a version or an image reference), `output` is the tool's
 * `--version` output.
 */
export function versionDrift(tool: string, deployed: string, output: string): string | undefined {
  const want = deployedVersion(deployed);
  const got = reportedVersion(output);
  return want === got ? undefined : `${tool} reports ${got} but the manifests deploy ${want} (${deployed})`;
}

/** `--version` output of a tool. */
export function versionOutput(file: string): string {
  return runTool(file, ['--version']);
}
