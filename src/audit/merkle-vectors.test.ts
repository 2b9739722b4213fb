import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { referenceRoot } from '../../test/helpers/rfc9162-reference.js';
import { CompactRange } from './compact-range.js';
import { emptyRootHash, leafHash, nodeHash } from './merkle-hash.js';
import { consistencyRanges, inclusionRanges, perfectNodes } from './tree-ranges.js';
import { verifyConsistency, verifyInclusion } from './verify-proofs.js';

interface Vectors {
  leavesHex: string[];
  rootsHex: string[];
  nodeHashesHex: string[][];
  inclusionProbes: {
    leafIdx: number | string;
    treeSize: number;
    root: string;
    leafHash: string;
    proof: string[] | null;
    desc: string;
    wantErr: boolean;
    file: string;
  }[];
  consistencyProbes: {
    size1: number;
    size2: number;
    root1: string;
    root2: string;
    proof: string[] | null;
    desc: string;
    wantErr: boolean;
    file: string;
  }[];
  inclusionNodes: { size: number; index: number; nodes: [number, number][] }[];
  inclusionErrors: [number, number][];
  consistencyNodes: { from: number; to: number; nodes: [number, number][] }[];
  consistencyErrors: [number, number][];
}

// The public test vectors of github.com/transparency-dev/merkle, copied as data (see "source" in the file).
const vectors = JSON.parse(
  readFileSync(new URL('../../../test/data/transparency-dev-merkle.json', import.meta.url), 'utf8'),
) as Vectors;
const leaves = vectors.leavesHex.map((hex) => Buffer.from(hex, 'hex'));
const b64 = (text: string) => Buffer.from(text, 'base64');
const sortedIds = (ids: readonly { level: number; index: number }[]) =>
  ids.map((id) => `${id.level}/${id.index}`).sort();

describe('transparency-dev/merkle test vectors', () => {
  it('hashes leaves and nodes as RFC 9162 says', () => {
    assert.equal(emptyRootHash.toString('hex'), vectors.rootsHex[0]);
    for (const [level, hashes] of vectors.nodeHashesHex.entries()) {
      for (const [index, hex] of hashes.entries()) {
        const expected =
          level === 0
            ? leafHash(leaves[index]!)
            : nodeHash(
                Buffer.from(vectors.nodeHashesHex[level - 1]![2 * index]!, 'hex'),
                Buffer.from(vectors.nodeHashesHex[level - 1]![2 * index + 1]!, 'hex'),
              );
        assert.equal(expected.toString('hex'), hex, `node ${level}/${index}`);
      }
    }
    // Every vector leaf is ASCII, so it can be given as the text a log entry is.
    for (const [index, leaf] of leaves.entries())
      assert.equal(
        leafHash(leaf.toString('latin1')).toString('hex'),
        vectors.nodeHashesHex[0]![index],
        `text leaf ${index}`,
      );
  });

  it('gives the published root for every size from 0 to 8, incrementally and by the reference', () => {
    const range = new CompactRange(0, []);
    assert.equal(range.root().toString('hex'), vectors.rootsHex[0]);
    for (let size = 1; size <= leaves.length; size += 1) {
      const completed = range.append(leafHash(leaves[size - 1]!));
      for (const node of completed)
        assert.equal(node.hash.toString('hex'), vectors.nodeHashesHex[node.level]![node.index]);
      assert.equal(range.root().toString('hex'), vectors.rootsHex[size], `root of size ${size}`);
      assert.equal(referenceRoot(leaves.slice(0, size)).toString('hex'), vectors.rootsHex[size]);
    }
  });

  it('decides every inclusion probe as the project does', () => {
    assert.ok(vectors.inclusionProbes.length > 90);
    for (const probe of vectors.inclusionProbes) {
      const ok = verifyInclusion(
        Number(probe.leafIdx),
        probe.treeSize,
        b64(probe.leafHash),
        (probe.proof ?? []).map(b64),
        b64(probe.root),
      );
      assert.equal(ok, !probe.wantErr, `${probe.file}: ${probe.desc}`);
    }
  });

  it('decides every consistency probe as the project does', () => {
    assert.ok(vectors.consistencyProbes.length > 90);
    for (const probe of vectors.consistencyProbes) {
      const ok = verifyConsistency(
        probe.size1,
        probe.size2,
        (probe.proof ?? []).map(b64),
        b64(probe.root1),
        b64(probe.root2),
      );
      assert.equal(ok, !probe.wantErr, `${probe.file}: ${probe.desc}`);
    }
  });

  it('reads exactly the stored nodes the project reads for each inclusion proof', () => {
    for (const c of vectors.inclusionNodes) {
      const ids = inclusionRanges(c.index, c.size).flatMap((range) => perfectNodes(range));
      assert.deepEqual(
        sortedIds(ids),
        sortedIds(c.nodes.map(([level, index]) => ({ level, index }))),
        `size ${c.size} index ${c.index}`,
      );
    }
    for (const [size, index] of vectors.inclusionErrors) assert.throws(() => inclusionRanges(index, size), RangeError);
  });

  it('reads exactly the stored nodes the project reads for each consistency proof', () => {
    for (const c of vectors.consistencyNodes) {
      const ids = consistencyRanges(c.from, c.to).flatMap((range) => perfectNodes(range));
      assert.deepEqual(
        sortedIds(ids),
        sortedIds(c.nodes.map(([level, index]) => ({ level, index }))),
        `from ${c.from} to ${c.to}`,
      );
    }
    for (const [from, to] of vectors.consistencyErrors) assert.throws(() => consistencyRanges(from, to), RangeError);
  });
});
