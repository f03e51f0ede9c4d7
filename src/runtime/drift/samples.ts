import * as fs from 'node:fs';
import { FeatureSpec, HttpPolicy } from '../../ml/model';
import { badInput, sourceUnreachable } from './errors';
import { fetchWithRetry, HttpFailure } from './http';

/** The observations of one feature in one window. */
export type FeatureObservations =
  /** Raw numeric samples. */
  | { readonly kind: 'numeric'; readonly values: Float64Array }
  /** A histogram: count per bucket, bucket i holding values <= upperBounds[i] (the last is +Inf). */
  | { readonly kind: 'histogram'; readonly upperBounds: Float64Array; readonly counts: Float64Array }
  /** Category frequencies. */
  | { readonly kind: 'categorical'; readonly counts: ReadonlyMap<string, number> };

/** The observations of every feature in one window, by feature name. */
export type WindowObservations = ReadonlyMap<string, FeatureObservations>;

/** A growable Float64Array. */
class FloatColumn {
  private data = new Float64Array(1024);
  private length = 0;

  public push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  public toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * A number in decimal notation, as CSV cells and JSON strings must spell it. `Number()` also reads
 * `0x1A`, `0b101`, `0o17` and `Infinity`, which no data export means as a sample value.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Collects the values of one feature while a file streams by. */
class FeatureCollector {
  private readonly numbers = new FloatColumn();
  private readonly categories = new Map<string, number>();

  constructor(
    private readonly feature: FeatureSpec,
    private readonly what: string,
  ) {}

  public add(raw: unknown, line: number): void {
    if (this.feature.kind === 'categorical') {
      if (raw === null || raw === undefined || raw === '' || typeof raw === 'object') {
        throw badInput(`${this.what}, line ${line}: feature '${this.feature.name}' has ${describe(raw)}; allowed: a category (string, number or boolean)`);
      }
      const key = String(raw);
      this.categories.set(key, (this.categories.get(key) ?? 0) + 1);
      return;
    }
    const where = `${this.what}, line ${line}: feature '${this.feature.name}'`;
    if (typeof raw === 'number') {
      // JSON.parse turns a literal beyond the double range (1e999) into an infinity.
      if (!Number.isFinite(raw)) throw badInput(`${where} has a number out of range (beyond ±1.7976931348623157e308); allowed: a finite number`);
      this.numbers.push(raw);
      return;
    }
    if (typeof raw !== 'string' || !DECIMAL.test(raw.trim())) {
      throw badInput(`${where} has ${describe(raw)}; allowed: a finite number${typeof raw === 'string' && raw.trim() !== '' ? ' in decimal notation (such as 12, -0.5 or 1e-3)' : ''}`);
    }
    const v = Number(raw.trim());
    if (!Number.isFinite(v)) throw badInput(`${where} has the value ${JSON.stringify(raw)}, out of range (beyond ±1.7976931348623157e308); allowed: a finite number`);
    this.numbers.push(v);
  }

  public result(): FeatureObservations {
    return this.feature.kind === 'categorical' ? { kind: 'categorical', counts: this.categories } : { kind: 'numeric', values: this.numbers.toArray() };
  }
}

function describe(raw: unknown): string {
  if (raw === undefined) return 'no value';
  if (raw === '') return 'an empty value';
  return `the value ${JSON.stringify(raw)}`;
}

/** Stream the lines of a file path or http(s) URL (retries apply until the answer starts). */
export async function* readLines(location: string, what: string, policy: HttpPolicy): AsyncGenerator<string> {
  let chunks: AsyncIterable<Uint8Array | string>;
  if (/^https?:\/\//.test(location)) {
    let res: Response;
    try {
      res = await fetchWithRetry(location, { method: 'GET' }, policy);
    } catch (e) {
      if (e instanceof HttpFailure) throw sourceUnreachable(`cannot read ${what}: ${e.message}`);
      throw e;
    }
    if (!res.ok || !res.body) throw sourceUnreachable(`cannot read ${what}: GET ${location} answered HTTP ${res.status}`);
    chunks = res.body as unknown as AsyncIterable<Uint8Array>;
  } else {
    try {
      await fs.promises.access(location, fs.constants.R_OK);
    } catch (e) {
      throw sourceUnreachable(`cannot read ${what}: ${(e as Error).message}`);
    }
    chunks = fs.createReadStream(location);
  }
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  try {
    for await (const chunk of chunks) {
      rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl = rest.indexOf('\n', start);
      while (nl >= 0) {
        yield rest.charCodeAt(nl - 1) === 13 ? rest.slice(start, nl - 1) : rest.slice(start, nl);
        start = nl + 1;
        nl = rest.indexOf('\n', start);
      }
      rest = rest.slice(start);
    }
  } catch (e) {
    if ((e as Error).name === 'RunError') throw e;
    throw sourceUnreachable(`cannot read ${what}: ${(e as Error).message}`);
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield rest;
}

/** Split one CSV record (RFC 4180 quoting; no newlines inside quoted fields). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parse a CSV (header row of feature names) or JSON-lines sample file, streaming, into typed
 * arrays (numeric features) and category counts (categorical features). Columns/keys that are
 * not features are ignored; a feature missing from the file, a missing value, NaN or an infinite
 * value fail with the file, line and feature named.
 */
export async function readSamples(location: string, format: 'csv' | 'jsonl', features: readonly FeatureSpec[], what: string, policy: HttpPolicy): Promise<WindowObservations> {
  const label = `${what} (${location})`;
  const collectors = features.map((f) => new FeatureCollector(f, label));
  let lineNo = 0;
  let rows = 0;
  let columns: number[] | undefined;
  let width = 0;
  for await (const line of readLines(location, label, policy)) {
    lineNo++;
    if (line.trim() === '') continue;
    if (format === 'csv') {
      const cells = splitCsvLine(line);
      if (!columns) {
        const header = cells.map((c) => c.trim());
        columns = features.map((f) => header.indexOf(f.name));
        const missing = features.filter((_, i) => columns![i] < 0).map((f) => f.name);
        if (missing.length) throw badInput(`${label}: feature${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} missing from the header (columns: ${header.join(', ')})`);
        width = header.length;
        continue;
      }
      if (cells.length !== width) throw badInput(`${label}, line ${lineNo}: ${cells.length} fields; the header has ${width}`);
      for (let i = 0; i < collectors.length; i++) collectors[i].add(cells[columns[i]], lineNo);
    } else {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (e) {
        throw badInput(`${label}, line ${lineNo}: not valid JSON (${(e as Error).message})`);
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw badInput(`${label}, line ${lineNo}: expected a JSON object`);
      const record = row as Record<string, unknown>;
      for (let i = 0; i < collectors.length; i++) collectors[i].add(record[features[i].name], lineNo);
    }
    rows++;
  }
  if (rows === 0) throw badInput(`${label}: no samples${format === 'csv' && columns ? ' (only a header)' : ''}`);
  return new Map(features.map((f, i) => [f.name, collectors[i].result()]));
}
