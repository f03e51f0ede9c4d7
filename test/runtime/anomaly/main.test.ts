import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAnomaly } from '../../../src/runtime/anomaly/main';
import { SeededRandom } from '../../../src/runtime/stats/prng';
import { captureIo, closedPortUrl, promAnswer, pushgateway, startServer, TestServer } from '../drift/servers';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const STEP = 300;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomaly-main-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeConfig(config: object): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Two correlated series on the step grid; the last point of both is far off (a planted anomaly). */
function series(name: string, start: number, end: number, offset: number): unknown {
  const rng = new SeededRandom(name.length);
  const values: Array<[number, string]> = [];
  for (let t = start; t <= end; t += STEP) values.push([t, String(t === end ? 50 + offset : 10 + offset + rng.nextGaussian())]);
  return { metric: { __name__: name }, values };
}

interface AnomalyReportJson {
  trainingPoints: number;
  latestScore: number;
  maxScore: number;
  anomalyDetected: boolean;
  scored: Array<{ score: number }>;
  pushed: boolean;
}

describe('anomaly program against a Prometheus API and a Pushgateway on 127.0.0.1', () => {
  let prom: TestServer;
  let pg: TestServer;
  beforeAll(async () => {
    prom = await startServer((req) => {
      const start = Number(req.params.get('start'));
      const end = Number(req.params.get('end'));
      const q = req.params.get('query') ?? '';
      if (q === 'two_series') return promAnswer('matrix', [series('a', start, end, 0), series('b', start, end, 0)]);
      return promAnswer('matrix', [series(q, start, end, q === 'errors' ? 5 : 0)]);
    });
    pg = await pushgateway();
  });
  afterAll(async () => {
    await prom.close();
    await pg.close();
  });

  const base = () => ({
    tenant: 'acme',
    model: 'fraud',
    prometheusUrl: prom.url,
    series: [
      { name: 'rps', query: 'requests' },
      { name: 'errors', query: 'errors' },
    ],
    trainingRange: '1d',
    scoringRange: '30m',
    step: '5m',
    forest: { seed: 7 },
    http: { attempts: 2, backoffMs: 5, timeoutMs: 2000 },
  });

  test('scores the planted anomaly, pushes one exact body and reproduces from the seed', async () => {
    const config = writeConfig({ ...base(), pushgateway: { url: pg.url, job: 'anomaly' } });
    const io = captureIo(NOW);
    expect(await runAnomaly(['--config', config], io)).toBe(0);
    expect(io.err).toEqual([]);
    const end = NOW / 1000;
    expect(prom.requests.map((r) => [r.path, r.params.get('start'), r.params.get('end'), r.params.get('step')])).toEqual([
      ['/api/v1/query_range', String(end - 86400 - 1800), String(end), '300'],
      ['/api/v1/query_range', String(end - 86400 - 1800), String(end), '300'],
    ]);
    const report = JSON.parse(io.out.join('')) as AnomalyReportJson;
    expect(report.trainingPoints).toBe(86400 / STEP + 1);
    expect(report.scored).toHaveLength(6);
    expect(report.anomalyDetected).toBe(true);
    expect(report.latestScore).toBe(report.maxScore);
    // The normal points of the scoring window score clearly below the planted anomaly.
    report.scored.slice(0, -1).forEach((p) => expect(p.score).toBeLessThan(0.6));
    const labels = 'tenant="acme",model="fraud"';
    expect(pg.requests.map((r) => [r.method, r.path])).toEqual([['PUT', '/metrics/job/anomaly/tenant/acme/model/fraud']]);
    expect(pg.requests[0].body).toBe(
      [
        '# HELP ml_anomaly_score Isolation-forest anomaly score of the most recent point (0..1; near 1 is anomalous).',
        '# TYPE ml_anomaly_score gauge',
        `ml_anomaly_score{${labels}} ${report.latestScore}`,
        '# HELP ml_anomaly_score_max Highest anomaly score in the scoring window.',
        '# TYPE ml_anomaly_score_max gauge',
        `ml_anomaly_score_max{${labels}} ${report.maxScore}`,
        '# HELP ml_anomaly_threshold Score at or above which a point counts as anomalous.',
        '# TYPE ml_anomaly_threshold gauge',
        `ml_anomaly_threshold{${labels}} 0.65`,
        '# HELP ml_anomaly_detected 1 when the most recent point scores at or above the threshold, else 0.',
        '# TYPE ml_anomaly_detected gauge',
        `ml_anomaly_detected{${labels}} 1`,
        '# HELP ml_anomaly_points Points used per set: training (forest fit) and scored (scoring window).',
        '# TYPE ml_anomaly_points gauge',
        `ml_anomaly_points{${labels},set="training"} ${report.trainingPoints}`,
        `ml_anomaly_points{${labels},set="scored"} 6`,
        '# HELP ml_anomaly_last_success_timestamp_seconds Unix time of the last successful anomaly run.',
        '# TYPE ml_anomaly_last_success_timestamp_seconds gauge',
        `ml_anomaly_last_success_timestamp_seconds{${labels}} ${NOW / 1000}`,
        '',
      ].join('\n'),
    );
    const again = captureIo(NOW);
    expect(await runAnomaly(['--config', config, '--no-push', '--fail-on-anomaly'], again)).toBe(1);
    expect((JSON.parse(again.out.join('')) as AnomalyReportJson).scored).toEqual(report.scored);
  });

  test('fails with exit code 3 when a query returns more than one series', async () => {
    const io = captureIo(NOW);
    expect(await runAnomaly(['--config', writeConfig({ ...base(), series: [{ name: 'both', query: 'two_series' }] })], io)).toBe(3);
    expect(io.err.join('')).toBe('anomaly: series \'both\': the query "two_series" returned 2 series; allowed: exactly one (aggregate it, e.g. with sum())\n');
  });

  test('fails with exit code 3 when there are too few training points', async () => {
    const io = captureIo(NOW);
    expect(await runAnomaly(['--config', writeConfig({ ...base(), trainingRange: '30m' })], io)).toBe(3);
    expect(io.err.join('')).toBe('anomaly: only 7 aligned training points before 2024-06-01T11:30:00.000Z; at least 16 are needed (lengthen trainingRange or shorten step)\n');
  });

  test('fails with exit code 4 after the bounded retries when Prometheus is unreachable', async () => {
    const url = await closedPortUrl();
    const io = captureIo(NOW);
    expect(await runAnomaly(['--config', writeConfig({ ...base(), prometheusUrl: url })], io)).toBe(4);
    expect(io.err.join('')).toMatch(new RegExp(`^anomaly: Prometheus is unreachable: POST ${url}/api/v1/query_range failed after 2 attempts: .*ECONNREFUSED`));
  });
});
