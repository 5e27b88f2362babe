/**
 * Lookups by names that come from a token or an event (a credential type, a region, a list id):
 * only an object's own properties count, so `constructor`, `__proto__` or `toString` never
 * resolve to something inherited from Object.prototype (SECURITY.md "Trust anchors").
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets an own property, even for `__proto__` (a plain assignment would replace the prototype). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}
