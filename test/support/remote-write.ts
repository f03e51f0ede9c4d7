/**
 * A remote-write receiver for tests and benchmarks: decodes what Prometheus sends (Remote-Write
 * 1.0: a snappy block-compressed `prometheus.WriteRequest` protobuf) and records, per value of the
 * tenant header, the series received. Decoding is done here (snappy's block format and the four
 * protobuf messages involved are small), so that the receiver checks the bytes on the wire and
 * not a library's interpretation of them.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/** A reader of base-128 varints (snappy's length, protobuf's keys and lengths) from `buf` at `at.pos`. */
function readVarint(buf: Uint8Array, at: { pos: number }, what: string): number {
  let result = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error(`${what}: truncated varint`);
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
  }
}

/** Decompress one snappy block (the format remote write uses, not the framed stream format). */
export function snappyDecompress(input: Uint8Array): Uint8Array {
  const at = { pos: 0 };
  const out = new Uint8Array(readVarint(input, at, 'snappy'));
  let pos = at.pos;
  let o = 0;
  const le = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v += (input[pos++] as number) * 2 ** (8 * i);
    return v;
  };
  while (pos < input.length) {
    const tag = input[pos++] as number;
    const type = tag & 3;
    if (type === 0) {
      let len = tag >> 2;
      len = len < 60 ? len + 1 : le(len - 59) + 1;
      out.set(input.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      len = 4 + ((tag >> 2) & 7);
      offset = ((tag >> 5) << 8) | (input[pos++] as number);
    } else {
      len = (tag >> 2) + 1;
      offset = le(type === 2 ? 2 : 4);
    }
    if (offset === 0 || offset > o) throw new Error(`snappy: bad copy offset ${offset} at ${o}`);
    // Byte by byte: a copy may overlap its own output (a run).
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset] as number;
  }
  if (o !== out.length) throw new Error(`snappy: ${o} bytes decoded, ${out.length} announced`);
  return out;
}

/** One field of a protobuf message: its number and, for length-delimited fields, the bytes. */
interface Field { readonly no: number; readonly bytes?: Uint8Array; readonly value?: number }

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  const varint = () => readVarint(buf, at, 'protobuf');
  while (at.pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, value: varint() });
    else if (wire === 1) {
      out.push({ no, value: new DataView(buf.buffer, buf.byteOffset + at.pos, 8).getFloat64(0, true) });
      at.pos += 8;
    } else if (wire === 2) {
      const len = varint();
      out.push({ no, bytes: buf.subarray(at.pos, at.pos + len) });
      at.pos += len;
    } else if (wire === 5) at.pos += 4;
    else throw new Error(`protobuf: wire type ${wire}`);
  }
  return out;
}

/** A series of a write request: its labels and how many samples came with it. */
export interface WrittenSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: number;
}

const text = new TextDecoder();

/** Decode a `prometheus.WriteRequest` (field 1: TimeSeries; TimeSeries 1: Label, 2: Sample; Label 1: name, 2: value). */
export function decodeWriteRequest(body: Uint8Array): WrittenSeries[] {
  return fields(body).filter((f) => f.no === 1 && f.bytes).map((ts) => {
    const labels: Record<string, string> = {};
    let samples = 0;
    for (const f of fields(ts.bytes as Uint8Array)) {
      if (f.no === 1 && f.bytes) {
        const l = fields(f.bytes);
        labels[text.decode(l.find((x) => x.no === 1)?.bytes ?? new Uint8Array())] = text.decode(l.find((x) => x.no === 2)?.bytes ?? new Uint8Array());
      } else if (f.no === 2) samples++;
    }
    return { labels, samples };
  });
}

/** A running receiver. */
export interface RemoteWriteReceiver {
  /** The push URL. */
  readonly url: string;
  /** Per tenant header value (`''` when absent): the distinct series received, as sorted-label JSON, with their sample counts. */
  readonly byTenant: Map<string, Map<string, number>>;
  /** Requests received, and requests that failed to decode. */
  readonly stats: { requests: number; errors: number; samples: number };
  close(): Promise<void>;
}

/** Start a receiver on loopback recording series per value of `tenantHeader`. */
export function startRemoteWriteReceiver(tenantHeader = 'X-Scope-OrgID', options: { readonly decode?: boolean } = {}): Promise<RemoteWriteReceiver> {
  const byTenant = new Map<string, Map<string, number>>();
  const stats = { requests: 0, errors: 0, samples: 0 };
  const decode = options.decode ?? true;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      if (decode) {
        try {
          const tenant = String(req.headers[tenantHeader.toLowerCase()] ?? '');
          const seen = byTenant.get(tenant) ?? new Map<string, number>();
          byTenant.set(tenant, seen);
          for (const s of decodeWriteRequest(snappyDecompress(new Uint8Array(Buffer.concat(chunks))))) {
            const key = JSON.stringify(Object.fromEntries(Object.entries(s.labels).sort()));
            seen.set(key, (seen.get(key) ?? 0) + s.samples);
            stats.samples += s.samples;
          }
        } catch {
          stats.errors++;
        }
      }
      res.statusCode = 204;
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/push`,
    byTenant,
    stats,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

/** The operator's `spec.remoteWrite` entries as Prometheus `remote_write` configuration (the fields the platform renders). */
export function remoteWriteConfig(queues: ReadonlyArray<{ name: string; url: string; headers?: Record<string, string>; writeRelabelConfigs?: ReadonlyArray<{ sourceLabels?: string[]; regex?: string; action?: string }> }>, url: string): object[] {
  return queues.map((q) => ({
    name: q.name,
    url,
    ...(q.headers ? { headers: q.headers } : {}),
    ...(q.writeRelabelConfigs ? { write_relabel_configs: q.writeRelabelConfigs.map((r) => ({ source_labels: r.sourceLabels, regex: r.regex, action: r.action })) } : {}),
    queue_config: { batch_send_deadline: '1s' },
  }));
}
