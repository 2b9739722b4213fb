import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { leafHash, nodeHash } from './merkle-hash.js';

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('merkle hashes', () => {
  it('hashes a text leaf as its UTF-8 bytes, controls, astral characters and lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const bytes = Buffer.from(text, 'utf8');
        assert.deepEqual(leafHash(text), sha256(Buffer.from([0x00]), bytes));
        assert.deepEqual(leafHash(text), leafHash(bytes));
      }),
    );
  });

  it('hashes nodes over the bytes of both children', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (left, right) => {
          assert.deepEqual(nodeHash(left, right), sha256(Buffer.from([0x01]), left, right));
        },
      ),
    );
  });
});
