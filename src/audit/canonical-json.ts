/**
 * The JSON Canonicalization Scheme (RFC 8785) for the values a log entry holds: objects
 * with their keys sorted by UTF-16 code units, arrays in order, strings and numbers as
 * ECMAScript's JSON.stringify writes them (which is what RFC 8785 prescribes), no
 * whitespace. Two parties that hold the same value get the same bytes, so a receipt
 * can be hashed again by anyone, in any language, from its JSON.
 */
export function canonicalJson(value: unknown): string {
  // A value already in canonical order — a receipt is built so — is JSON.stringify's own
  // output, which costs a third of walking it here.
  return isInCanonicalOrder(value, 0) ? JSON.stringify(value) : serialize(value, 0);
}

/** Entries are a few levels deep; a deeper value is a bug, not data. */
const depthMax = 32;

/** Printable ASCII but `"` and `\\`: such a string is its own JSON spelling between quotes. */
const plainAscii = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A receipt is written once per request, so the common cases skip JSON.stringify's per-call cost. */
function quote(text: string): string {
  return plainAscii.test(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * True when JSON.stringify would write `value` exactly as `serialize` does: only JSON's
 * own kinds of value, finite numbers, plain objects whose keys already come in sorted
 * order, and no undefined where `serialize` would refuse it. Anything else takes the
 * slow path, which spells it or refuses it as before.
 */
function isInCanonicalOrder(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth >= depthMax) return false;
  if (Array.isArray(value)) return value.every((item) => item !== undefined && isInCanonicalOrder(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  let previous: string | undefined;
  for (const key of Object.keys(value)) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined && !isInCanonicalOrder(item, depth + 1)) return false;
  }
  return true;
}

function serialize(value: unknown, depth: number): string {
  if (depth > depthMax) throw new TypeError(`canonical JSON is limited to ${depthMax} levels`);
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no spelling for ${value}`);
    // For finite numbers String() and JSON.stringify() agree, and both are RFC 8785's spelling.
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item, depth + 1)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, which is the order RFC 8785 asks for.
    const keys = Object.keys(record).sort();
    let out = '';
    for (const key of keys) {
      if (record[key] === undefined) continue;
      out += `${out === '' ? '' : ','}${quote(key)}:${serialize(record[key], depth + 1)}`;
    }
    return `{${out}}`;
  }
  throw new TypeError(`canonical JSON has no spelling for a ${typeof value}`);
}
