import { Images } from '../../src/core/images';
import { deployedVersion, reportedVersion, versionDrift, versionOutput } from '../support/tool-versions';
import { requireTool } from '../support/tools';

/**
 * The tools the tests run are the releases the manifests deploy: every Prometheus-family binary
 * of .cache/tools/sid reports the version src/core/images.ts pins.
 */
describe('tested and deployed versions', () => {
  const pushgateway = Images.pushgateway().reference;
  test.each([
    ['prometheus', Images.prometheusVersion],
    ['promtool', Images.prometheusVersion],
    ['prometheus-alertmanager', Images.alertmanagerVersion],
    ['amtool', Images.alertmanagerVersion],
    ['prometheus-pushgateway', pushgateway],
  ])('%s is the deployed release (%s)', (tool, deployed) => {
    expect(versionDrift(tool, deployed, versionOutput(requireTool(tool)))).toBeUndefined();
  });
});

describe('the version comparison', () => {
  const promtool = 'promtool, version 3.5.3+ds1 (branch: debian/sid, revision: 3.5.3+ds1-6)\n  build user: x\n';

  test('reads the upstream release from Debian and upstream builds', () => {
    expect(reportedVersion(promtool)).toBe('3.5.3');
    expect(reportedVersion('alertmanager, version 0.33.1 (branch: HEAD, revision: abc)\n')).toBe('0.33.1');
    expect(reportedVersion('pushgateway, version 1.11.2 (branch: debian/sid, revision: 1.11.2-1)\n')).toBe('1.11.2');
  });

  test('reads the deployed release from a version or an image tag', () => {
    expect(deployedVersion('v3.5.3')).toBe('3.5.3');
    expect(deployedVersion('quay.io/prometheus/pushgateway:v1.11.2')).toBe('1.11.2');
  });

  test('fails on a mismatched version', () => {
    expect(versionDrift('promtool', 'v3.5.2', promtool)).toBe('promtool reports 3.5.3 but the manifests deploy 3.5.2 (v3.5.2)');
    expect(versionDrift('promtool', 'v2.55.1', promtool)).toBe('promtool reports 3.5.3 but the manifests deploy 2.55.1 (v2.55.1)');
    expect(versionDrift('prometheus-pushgateway', 'quay.io/prometheus/pushgateway:v1.10.0', 'pushgateway, version 1.11.2 (branch: x)\n'))
      .toBe('prometheus-pushgateway reports 1.11.2 but the manifests deploy 1.10.0 (quay.io/prometheus/pushgateway:v1.10.0)');
    expect(versionDrift('promtool', 'v3.5.3', promtool)).toBeUndefined();
  });

  test('fails on output without a version line, and on an untagged image', () => {
    expect(() => reportedVersion('usage: promtool [<flags>]')).toThrow("no '<name>, version X.Y.Z' line in: usage: promtool [<flags>]");
    expect(() => deployedVersion('quay.io/prometheus/pushgateway@sha256:abc')).toThrow('not a release version or a tagged image: quay.io/prometheus/pushgateway@sha256:abc');
  });
});
