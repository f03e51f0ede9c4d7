import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorLocation, ValidationError } from './errors';

/** Allowed text for an image reference. */
export const IMAGE_ALLOWED = 'an image reference with a pinned tag or digest, e.g. quay.io/prometheus/prometheus:v3.5.3 (never :latest or untagged)';

/**
 * A container image pinned to a tag or digest. Untagged and `:latest` references are rejected,
 * because they make deployments unreproducible.
 */
export class ContainerImage {
  /** An image from a repository and a tag or `sha256:` digest. */
  public static of(repository: string, tagOrDigest: string, location: ErrorLocation = '<image>', field: string = 'image'): ContainerImage {
    const ref = tagOrDigest.startsWith('sha256:') ? `${repository}@${tagOrDigest}` : `${repository}:${tagOrDigest}`;
    return ContainerImage.parse(ref, location, field);
  }

  /** Parse a full reference such as `docker.io/grafana/grafana:11.3.0`. */
  public static parse(reference: string, location: ErrorLocation = '<image>', field: string = 'image'): ContainerImage {
    const m = typeof reference === 'string' ? /^([a-z0-9]+(?:[._\-/:][a-z0-9]+)*?)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$/.exec(reference) : null;
    if (!m || m[2] === 'latest') throw new ValidationError(location, field, reference, IMAGE_ALLOWED);
    return new ContainerImage(reference);
  }

  private constructor(public readonly reference: string) {}

  /** The full reference. */
  public toString(): string {
    return this.reference;
  }
}

let version: string | undefined;

/**
 * The version of this package; it tags the runtime image. Read once, when first asked, from the
 * package's own package.json, found by walking up from this file (two levels up in the sources,
 * three in the compiled `lib/`).
 */
export function packageVersion(): string {
  version ??= readPackageVersion(__dirname);
  return version;
}

function readPackageVersion(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cdk8s-tenant-monitoring' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`package.json of cdk8s-tenant-monitoring not found above ${start}`);
  }
}

/** Repository of the runtime image that runs this project's programs (`src/runtime`). */
export const RUNTIME_IMAGE_REPOSITORY = 'ghcr.io/cdk8s-tenant-monitoring/runtime';

/**
 * Every third-party image the platform runs, pinned in one place. Constructs take an `image`
 * prop to override any of them.
 */
export const Images = {
  /** This project's runtime image (drift, anomaly, remediation and index-setup programs). */
  runtime: (): ContainerImage => ContainerImage.of(RUNTIME_IMAGE_REPOSITORY, packageVersion()),
  /** Grafana. */
  grafana: (): ContainerImage => ContainerImage.parse('docker.io/grafana/grafana:13.2.3'),
  /** The sidecar that loads dashboards and datasources from labelled ConfigMaps into Grafana. */
  grafanaSidecar: (): ContainerImage => ContainerImage.parse('quay.io/kiwigrid/k8s-sidecar:2.10.1'),
  /** prom-label-proxy: restricts a tenant's Grafana datasource to its series on the shared Prometheus. */
  promLabelProxy: (): ContainerImage => ContainerImage.parse('quay.io/prometheuscommunity/prom-label-proxy:v0.15.1'),
  /** Jaeger v2 (OpenTelemetry Collector based). */
  jaeger: (): ContainerImage => ContainerImage.parse('docker.io/jaegertracing/jaeger:2.21.0'),
  /** Prometheus Pushgateway. */
  pushgateway: (): ContainerImage => ContainerImage.parse('quay.io/prometheus/pushgateway:v1.11.2'),
  /** Prometheus version for the operator-managed `Prometheus` (3.5, the long-term support line). */
  prometheusVersion: 'v3.5.3',
  /** Alertmanager version for the operator-managed `Alertmanager` (0.28+: Discord and Teams receivers read their webhook URL from a file). */
  alertmanagerVersion: 'v0.33.1',
  /** Thanos version for the scale-out profile's `ThanosRuler` and the Prometheus shards' sidecars. */
  thanosVersion: 'v0.39.2',
} as const;
