/** A copy of `obj` without the keys whose value is `undefined` (keeps rendered YAML minimal). */
export function definedOnly<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
