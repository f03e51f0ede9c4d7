/**
 * Writes the example sample files (reference.csv, current.csv, current.jsonl) next to this script,
 * reproducibly (seeded). Run: npx ts-node --transpile-only examples/ml/generate-samples.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '../../src/runtime/stats/prng';

const rng = new SeededRandom(7);
const countries = ['de', 'fr', 'us', 'jp'];

function rows(n: number, amountShift: number, usShare: number): Array<{ latency_ms: number; amount: number; country: string }> {
  return Array.from({ length: n }, () => {
    const u = rng.nextFloat();
    const country = u < usShare ? 'us' : countries.filter((c) => c !== 'us')[Math.floor(((u - usShare) / (1 - usShare)) * 3)];
    return {
      latency_ms: Math.round(Math.exp(3 + 0.4 * rng.nextGaussian()) * 10) / 10,
      amount: Math.round((50 + amountShift + 15 * rng.nextGaussian()) * 100) / 100,
      country,
    };
  });
}

const dir = __dirname;
const toCsv = (r: ReturnType<typeof rows>): string => `latency_ms,amount,country\n${r.map((x) => `${x.latency_ms},${x.amount},${x.country}`).join('\n')}\n`;
const reference = rows(2000, 0, 0.25);
const current = rows(2000, 8, 0.4);
fs.writeFileSync(path.join(dir, 'reference.csv'), toCsv(reference));
fs.writeFileSync(path.join(dir, 'current.csv'), toCsv(current));
fs.writeFileSync(path.join(dir, 'current.jsonl'), current.map((x) => JSON.stringify(x)).join('\n') + '\n');
