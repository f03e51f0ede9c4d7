import { RUNTIME_IMAGE_REPOSITORY } from '../../src/core/images';
import { podTemplates } from './pod-security';
import { Manifest } from './schema';

/** A container that runs a program of the runtime image. */
export interface RuntimeCommandUse {
  /** `Kind/namespace/name` of the workload. */
  readonly object: string;
  /** Container name. */
  readonly container: string;
  /** The image reference. */
  readonly image: string;
  /** The command (`drift`, `index-setup`, …): the first argument after the entrypoint. */
  readonly command: string | undefined;
  /** The arguments after the command. */
  readonly args: readonly string[];
}

interface ContainerFields {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

/** True for an image of the runtime repository (any tag or digest, so overridden tags are found too). */
export function isRuntimeImage(image: string | undefined, repository: string = RUNTIME_IMAGE_REPOSITORY): boolean {
  return image !== undefined && (image.startsWith(`${repository}:`) || image.startsWith(`${repository}@`));
}

/**
 * Every container (and init container) of every Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob
 * in `objects` that runs the runtime image, with the command it names. With the image's entrypoint
 * (`node /app/lib/src/runtime/cli.js`) the command is the first argument; when a container overrides `command`
 * with the CLI, it is the first word after `cli.js`.
 */
export function runtimeCommandsIn(objects: ReadonlyArray<Manifest>, repository: string = RUNTIME_IMAGE_REPOSITORY): RuntimeCommandUse[] {
  const uses: RuntimeCommandUse[] = [];
  for (const t of podTemplates(objects)) {
    const spec = t.spec as unknown as { containers?: ContainerFields[]; initContainers?: ContainerFields[] };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if (!isRuntimeImage(c.image, repository)) continue;
      const words = c.command !== undefined ? [...c.command, ...(c.args ?? [])] : [...(c.args ?? [])];
      const start = c.command !== undefined ? words.findIndex((w) => w.endsWith('runtime/cli.js')) + 1 : 0;
      uses.push({ object: t.object, container: c.name, image: c.image as string, command: start > 0 || c.command === undefined ? words[start] : undefined, args: words.slice(start + 1) });
    }
  }
  return uses;
}
