import { ErrorLocation, ValidationError } from './errors';

const SUFFIX: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};
const QUANTITY = /^([+]?(?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

/** Allowed text for a Kubernetes resource quantity. */
export const QUANTITY_ALLOWED = 'a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi';

/**
 * Parse a Kubernetes resource quantity ("500m", "2", "512Mi") to a plain number of base units
 * (cores, bytes, objects), so limits can be compared with each other.
 */
export function parseQuantity(text: string, location: ErrorLocation, field: string): number {
  const m = typeof text === 'string' ? QUANTITY.exec(text) : null;
  if (!m) throw new ValidationError(location, field, text, QUANTITY_ALLOWED);
  const base = Number(m[1]);
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  return base * SUFFIX[suffix];
}
