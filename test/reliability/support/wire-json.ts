/**
 * JSON text with pieces JSON.stringify cannot produce: raw number literals (1e400, -0,
 * 30-digit integers), keys such as `__proto__` as own properties, and the same key twice.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written from its entries, in order, duplicates and all. */
export class Entries {
  constructor(readonly entries: ReadonlyArray<readonly [string, WireValue]>) {}
}

export type WireValue = RawJson | Entries | null | boolean | number | string | WireValue[] | { [key: string]: WireValue };

export function jsonText(value: WireValue): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
