import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import { canonicalJson } from './canonical-json.js';
import { ExchangeDigest } from './exchange-digest.js';

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    // RFC 8785 §3.2.3 sorts "\u20ac" (€) before "\ud83d\ude00" (😀) before "\ufb33": code units, not code points.
    assert.equal(
      canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2, '\u20ac': 3, b: [3, { z: null, a: true }], a: 'x' }),
      '{"a":"x","b":[3,{"a":true,"z":null}],"€":3,"😀":2,"דּ":1}',
    );
  });

  it('writes numbers and strings as RFC 8785 does, leaves out undefined and refuses what JSON cannot hold', () => {
    assert.equal(
      canonicalJson({ n: 1e21, m: -0, s: '\u2028"\n', u: undefined }),
      '{"m":0,"n":1e+21,"s":"\u2028\\"\\n"}',
    );
    assert.throws(() => canonicalJson({ x: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson({ x: 1n }), TypeError);
  });

  it('writes a value the same whatever order its keys came in, sorted already or not', () => {
    const sortedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortedCopy);
      if (value === null || typeof value !== 'object') return value;
      const keys = Object.keys(value).sort();
      return Object.fromEntries(keys.map((key) => [key, sortedCopy((value as Record<string, unknown>)[key])]));
    };
    const reversedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversedCopy);
      if (value === null || typeof value !== 'object') return value;
      const keys = Object.keys(value).sort().reverse();
      return Object.fromEntries(keys.map((key) => [key, reversedCopy((value as Record<string, unknown>)[key])]));
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(canonicalJson(sortedCopy(value)), canonicalJson(reversedCopy(value)));
      }),
      { numRuns: 500 },
    );
    // Sorted, with what the fast path must still refuse or leave out.
    assert.equal(canonicalJson({ a: undefined, b: [1, 'x'], c: { d: null } }), '{"b":[1,"x"],"c":{"d":null}}');
    assert.throws(() => canonicalJson({ a: [undefined] }), TypeError);
    assert.throws(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), TypeError);
  });
});

describe('ExchangeDigest', () => {
  it('hashes the request as received and the answer as relayed, in pieces, and refuses bytes after the digest', () => {
    const digest = new ExchangeDigest(Buffer.from('{"model":"m"}'));
    assert.equal(digest.requestSha256, createHash('sha256').update('{"model":"m"}').digest('hex'));
    digest.relayed('data: é\n\n');
    digest.relayed(Buffer.from('data: [DONE]\n\n'));
    assert.equal(digest.responseSha256(), createHash('sha256').update('data: é\n\ndata: [DONE]\n\n').digest('hex'));
    assert.equal(digest.responseSha256(), digest.responseSha256());
    assert.throws(() => digest.relayed('late'));
    assert.equal(new ExchangeDigest(Buffer.alloc(0)).responseSha256(), null);
    const onePiece = new ExchangeDigest(Buffer.from('{}'));
    onePiece.relayed('');
    onePiece.relayed('{"id":"é"}');
    assert.equal(onePiece.responseSha256(), createHash('sha256').update('{"id":"é"}').digest('hex'));
  });

  it('hashes exactly the bytes relayed, however they come in pieces, halves of surrogate pairs and long streams included', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('\ud83d', '\ude00', 'é'),
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ minLength: 4_000, maxLength: 9_000 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const digest = new ExchangeDigest(Buffer.alloc(0));
        for (const p of pieces) digest.relayed(p);
        // What the relay's writes send: each string encoded on its own.
        const bytes = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
        assert.equal(
          digest.responseSha256(),
          bytes.length === 0 ? null : createHash('sha256').update(bytes).digest('hex'),
        );
      }),
      { numRuns: 300 },
    );
  });
});
