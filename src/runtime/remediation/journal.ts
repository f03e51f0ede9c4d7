/**
 * The controller's local write-ahead journal: an append-only JSON-lines file on a volume, each
 * record flushed with fsync before the call it announces. It is a cache that survives a container
 * restart in the same pod: a restart reads it back to rebuild the dedup store, the cooldowns and
 * the rate windows, and to finish the writes whose outcome was never recorded. It is not what
 * keeps actions from repeating after a pod replacement (a new pod starts with an empty volume):
 * that is the record each action leaves on its target in the cluster (`target-state.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkloadTarget } from '../../remediation/policy';
import { Manifest } from './cluster';
import { LastAction } from './target-state';

/**
 * The one cluster write an action makes, with every value fixed before it is sent, so that sending
 * it again (after a crash, whatever happened to the first try) cannot act twice: a restart or a
 * scale carries the record (`rule`, `record`) written with it onto the workload, by which a later
 * read recognises it as applied; creates use deterministic names.
 */
export type PlannedWrite =
  | { readonly op: 'restart'; readonly workload: WorkloadTarget; readonly annotations: Readonly<Record<string, string>>; readonly rule: string; readonly record: LastAction }
  | { readonly op: 'scale'; readonly workload: WorkloadTarget; readonly from: number; readonly to: number; readonly rule: string; readonly record: LastAction }
  | { readonly op: 'create-networkpolicy'; readonly namespace: string; readonly name: string; readonly manifest: Manifest }
  | { readonly op: 'create-job'; readonly namespace: string; readonly name: string; readonly manifest: Manifest };

/** Written (and flushed) before the write it describes. */
export interface IntentRecord {
  readonly type: 'intent';
  /** Dedup identity of the alert (`fingerprint@startsAt`). */
  readonly key: string;
  readonly fingerprint: string;
  readonly groupKey: string;
  /** Rule name. */
  readonly rule: string;
  /** Cooldown key of the target. */
  readonly targetKey: string;
  /** Namespace counted by the per-namespace cap. */
  readonly namespace: string;
  /** Milliseconds since the epoch when the action was decided. */
  readonly decidedAt: number;
  readonly write: PlannedWrite;
}

/** Written after the write's fate is known. */
export interface OutcomeRecord {
  readonly type: 'outcome';
  readonly key: string;
  readonly result: 'success' | 'noop' | 'failure' | 'abandoned';
  /** For a failure: trying again cannot help. */
  readonly permanent: boolean;
  readonly at: number;
}

/** One journal line. */
export type JournalRecord = IntentRecord | OutcomeRecord;

/** An intent and, once known, its outcome. */
export interface JournalEntry {
  readonly intent: IntentRecord;
  readonly outcome?: OutcomeRecord;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse journal text; a torn last line (a crash during the append) is dropped, a torn line elsewhere is an error. */
export function parseJournal(text: string, file: string): JournalRecord[] {
  const lines = text.split('\n');
  const out: JournalRecord[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // Only the last line can be torn: every earlier line was followed by a flushed newline.
      if (i === lines.length - 1) return;
      throw new Error(`journal ${file} line ${i + 1} is not JSON`);
    }
    if (!isRecord(v) || (v.type !== 'intent' && v.type !== 'outcome') || typeof v.key !== 'string') {
      throw new Error(`journal ${file} line ${i + 1} is not a journal record`);
    }
    out.push(v as unknown as JournalRecord);
  });
  return out;
}

/** Group records by alert key: the latest intent of each key, and the outcome that follows it. */
export function journalEntries(records: readonly JournalRecord[]): JournalEntry[] {
  const byKey = new Map<string, { intent: IntentRecord; outcome?: OutcomeRecord }>();
  for (const r of records) {
    if (r.type === 'intent') {
      byKey.delete(r.key);
      byKey.set(r.key, { intent: r });
    } else {
      const e = byKey.get(r.key);
      if (e !== undefined) e.outcome = r;
    }
  }
  return [...byKey.values()];
}

/** Settings of `Journal`. */
export interface JournalOptions {
  /** Directory of the journal file (a volume that outlives the container). */
  readonly directory: string;
  /** Records of intents decided longer ago than this are dropped when the journal is compacted. @default 86_400_000 */
  readonly retentionMs?: number;
  /** Clock. @default Date.now */
  readonly now?: () => number;
}

/** The journal file: `open()` reads and compacts it, `append()` adds a flushed record. */
export class Journal {
  /** Path of the journal file. */
  readonly file: string;
  private fd?: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(options: JournalOptions) {
    this.file = path.join(options.directory, 'remediation-journal.jsonl');
    this.retentionMs = options.retentionMs ?? 86_400_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Read the journal, rewrite it without expired entries (to a temporary file, flushed, then
   * renamed over the old one) and open it for appending. Resolves to the entries kept.
   */
  open(): JournalEntry[] {
    const dir = path.dirname(this.file);
    fs.mkdirSync(dir, { recursive: true });
    const text = fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8') : '';
    const cutoff = this.now() - this.retentionMs;
    const kept = journalEntries(parseJournal(text, this.file)).filter((e) => e.intent.decidedAt > cutoff);
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    const lines = kept.flatMap((e) => (e.outcome !== undefined ? [e.intent, e.outcome] : [e.intent])).map((r) => `${JSON.stringify(r)}\n`).join('');
    fs.writeSync(fd, lines);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
    this.fd = fs.openSync(this.file, 'a', 0o600);
    return kept;
  }

  /** Append one record and flush it to the disk before returning. */
  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new Error('journal is not open');
    fs.writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fs.fsyncSync(this.fd);
  }

  /** Close the file. */
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
