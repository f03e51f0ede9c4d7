import { createHash } from 'node:crypto';
import { ValidationError } from './errors';

/**
 * A Kubernetes object name made of parts (`objectName('acme', 'rules')` is `acme-rules`). Names
 * longer than `maxLength` are shortened deterministically: a prefix plus a hash of the whole name,
 * so names stay unique and stable across synths.
 */
export function objectName(parts: ReadonlyArray<string>, maxLength: number = 63): string {
  const cleaned = parts
    .filter((p) => p !== '')
    .map((p) => p.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((p) => p !== '');
  if (cleaned.length === 0) throw new ValidationError('<naming>', 'name', parts, 'at least one non-empty name part');
  const full = cleaned.join('-').replace(/-{2,}/g, '-');
  if (full.length <= maxLength) return full;
  const hash = shortHash(full, 8);
  return `${full.slice(0, maxLength - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** A stable lower-case hex digest prefix of `text`. */
export function shortHash(text: string, length: number = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A deterministic identifier of at most `maxLength` characters (e.g. Grafana UIDs, 40). */
export function stableUid(parts: ReadonlyArray<string>, maxLength: number = 40): string {
  return objectName(parts, maxLength);
}
