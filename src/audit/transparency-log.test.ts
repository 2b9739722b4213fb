import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { testOnEachStore } from '../../test/helpers/each-store.js';
import {
  referenceConsistencyProof,
  referenceInclusionProof,
  referenceRoot,
} from '../../test/helpers/rfc9162-reference.js';
import { CommonwealError } from '../errors/index.js';
import { writeOnce } from '../../test/helpers/write-once.js';
import { GroupCommitWriter, type Store, type WriteTransaction } from '../store/index.js';
import { leafHash } from './merkle-hash.js';
import { TransparencyLog } from './transparency-log.js';
import { verifyConsistency, verifyInclusion } from './verify-proofs.js';

/*
 * The stored, incremental tree against the plain recursive reference of RFC 9162, on
 * both stores: for random leaves appended in random batches, every root, every
 * inclusion proof and every consistency proof must be the reference's, and verify.
 */

/** Makes `tx` fail after every batch opened before this call has been written, as a failing COMMIT would. */
function failAtCommit(tx: WriteTransaction): void {
  tx.batch(
    {},
    () => null,
    async () => {
      throw new CommonwealError('conflict', 'refused at commit');
    },
  );
}

async function clear(store: Store): Promise<void> {
  await store.db.deleteFrom('auditLeaves').execute();
}

/** Appends `texts` through the writer, `batch` jobs submitted together so that several share a transaction. */
async function appendAll(
  writer: GroupCommitWriter,
  log: TransparencyLog,
  texts: readonly string[],
  batch: number,
): Promise<void> {
  for (let i = 0; i < texts.length; i += batch) {
    await Promise.all(texts.slice(i, i + batch).map((text) => writer.submit((tx) => log.append(tx, text))));
  }
}

async function contract(t: TestContext, store: Store): Promise<void> {
  const writer = new GroupCommitWriter(store, { retryDelayMs: 0 });
  const log = new TransparencyLog(store);
  const runs = store.dialect === 'postgres' ? 8 : 20;

  await t.test('every root, inclusion and consistency proof is the reference one, and verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ maxLength: 24 }), { minLength: 1, maxLength: 70 }),
        fc.integer({ min: 1, max: 16 }),
        async (texts, batch) => {
          await clear(store);
          await appendAll(writer, log, texts, batch);
          const leaves = texts.map((text) => Buffer.from(text, 'utf8'));
          assert.equal(await log.size(), leaves.length);
          for (let size = 0; size <= leaves.length; size += 1) {
            assert.ok((await log.rootAt(size)).equals(referenceRoot(leaves.slice(0, size))), `root of size ${size}`);
          }
          for (let size = 1; size <= leaves.length; size += 1) {
            const prefix = leaves.slice(0, size);
            const root = referenceRoot(prefix);
            for (let index = 0; index < size; index += 1) {
              const proof = await log.inclusionProof(index, size);
              assert.deepEqual(proof, referenceInclusionProof(index, prefix), `inclusion ${index} in ${size}`);
              assert.ok(verifyInclusion(index, size, leafHash(leaves[index]!), proof, root));
            }
            for (let from = 1; from <= size; from += 1) {
              const proof = await log.consistencyProof(from, size);
              assert.deepEqual(proof, referenceConsistencyProof(from, prefix), `consistency ${from} → ${size}`);
              assert.ok(verifyConsistency(from, size, proof, referenceRoot(leaves.slice(0, from)), root));
            }
          }
        },
      ),
      { numRuns: runs },
    );
  });

  await t.test('a proof with any one bit changed, or for another leaf, fails to verify', async () => {
    // The tree this test built last, rebuilt only when a run asks for another size.
    let built = -1;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), async (size, a, bit) => {
        const leaves = Array.from({ length: size }, (_, i) => Buffer.from(`leaf ${i}`));
        if (built !== size) {
          await clear(store);
          await appendAll(
            writer,
            log,
            leaves.map((l) => l.toString()),
            64,
          );
          built = size;
        }
        const index = a % size;
        const root = await log.rootAt(size);
        const proof = await log.inclusionProof(index, size);
        assert.ok(verifyInclusion(index, size, leafHash(leaves[index]!), proof, root));
        assert.ok(!verifyInclusion((index + 1) % size, size, leafHash(leaves[index]!), proof, root));
        const flipped = proof.map((h) => Buffer.from(h));
        const at = bit % (flipped.length * 256);
        flipped[Math.floor(at / 256)]![Math.floor((at % 256) / 8)]! ^= 1 << (at % 8);
        assert.ok(!verifyInclusion(index, size, leafHash(leaves[index]!), flipped, root));
        const from = 1 + (a % (size - 1));
        const consistency = await log.consistencyProof(from, size);
        if (consistency.length > 0) {
          consistency[bit % consistency.length]![bit % 32]! ^= 0x80;
          assert.ok(!verifyConsistency(from, size, consistency, await log.rootAt(from), root));
        }
      }),
      { numRuns: runs * 5 },
    );
  });

  await t.test(
    'an append whose transaction rolls back leaves nothing behind, not even in the next append',
    async () => {
      await clear(store);
      const refused = new Error('refused after appending');
      const results = await Promise.allSettled([
        writer.submit((tx) => log.append(tx, 'a')),
        writer.submit(async (tx) => {
          await log.append(tx, 'ghost');
          throw refused;
        }),
        writer.submit((tx) => log.append(tx, 'b')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      await writer.submit((tx) => log.append(tx, 'c'));
      assert.equal(await log.size(), 3);
      const stored = await store.db.selectFrom('auditLeaves').select(['idx', 'entry']).orderBy('idx').execute();
      assert.deepEqual(
        stored.map((r) => [Number(r.idx), r.entry]),
        [
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
        ],
      );
      assert.ok((await log.rootAt(3)).equals(referenceRoot([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')])));
    },
  );

  await t.test(
    'a batch whose COMMIT fails after the leaves were written is not taken for the tree by the next batch',
    async () => {
      await clear(store);
      await writer.submit((tx) => log.append(tx, 'a'));
      const failing = Promise.allSettled([
        writer.submit((tx) => log.append(tx, 'b')),
        writer.submit(async (tx) => {
          // Opened after the log's batch, so it fails after the leaves are inserted, as a failing COMMIT would.
          failAtCommit(tx);
        }),
      ]);
      assert.deepEqual(
        (await failing).map((r) => r.status),
        ['fulfilled', 'rejected'],
      );
      await writer.submit((tx) => log.append(tx, 'c'));
      assert.ok((await log.rootAt(3)).equals(referenceRoot(['a', 'b', 'c'].map((x) => Buffer.from(x)))));
      // The same after a failure the writer does not retry: the next append reads the edge from the store.
      await assert.rejects(
        writer.submit(async (tx) => {
          await log.append(tx, 'ghost');
          failAtCommit(tx);
        }),
      );
      await writer.submit((tx) => log.append(tx, 'd'));
      assert.ok((await log.rootAt(4)).equals(referenceRoot(['a', 'b', 'c', 'd'].map((x) => Buffer.from(x)))));
      assert.equal(await log.size(), 4);
    },
  );

  await t.test(
    'after a batch fails at COMMIT and another log appends as many leaves, the next batch reads the edge from the store',
    async () => {
      await clear(store);
      const texts = Array.from({ length: 15 }, (_, i) => `leaf ${i}`);
      await appendAll(writer, log, texts, 8);
      await assert.rejects(
        writer.submit(async (tx) => {
          await log.append(tx, 'ghost');
          failAtCommit(tx);
        }),
      );
      const replica = new TransparencyLog(store);
      await writer.submit((tx) => replica.append(tx, 'from the replica'));
      texts.push('from the replica');
      // Sixteen more complete the level-5 node over all 32 leaves, which is hashed from the edge this log holds.
      for (let i = 0; i < 16; i += 1) texts.push(`after ${i}`);
      await Promise.all(texts.slice(16).map((text) => writer.submit((tx) => log.append(tx, text))));
      assert.ok((await log.rootAt(32)).equals(referenceRoot(texts.map((text) => Buffer.from(text)))));
    },
  );

  await t.test(
    'one transaction of many hundreds of leaves is written in bounded inserts and gives the reference root',
    async () => {
      await clear(store);
      const texts = Array.from({ length: 700 }, (_, i) => `bulk ${i}`);
      await writer.submit(async (tx) => {
        for (const text of texts) await log.append(tx, text);
      });
      assert.ok((await log.rootAt(700)).equals(referenceRoot(texts.map((text) => Buffer.from(text)))));
      assert.ok((await log.rootAt(513)).equals(referenceRoot(texts.slice(0, 513).map((text) => Buffer.from(text)))));
    },
  );

  await t.test("appends in another module's own write transaction go into the same tree", async () => {
    await clear(store);
    await writer.submit((tx) => log.append(tx, 'a'));
    assert.equal(await writeOnce(store, (tx) => log.append(tx, 'b')), 1);
    await writer.submit((tx) => log.append(tx, 'c'));
    assert.ok((await log.rootAt(3)).equals(referenceRoot([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')])));
  });

  await t.test(
    'a log that did not write the leaves continues from the edge the store holds, its lower nodes computed from the leaves',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 80 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 16 }),
          async (before, after, batch) => {
            await clear(store);
            const texts = Array.from({ length: before + after }, (_, i) => `leaf ${i}`);
            await appendAll(writer, log, texts.slice(0, before), batch);
            const replica = new TransparencyLog(store);
            for (let i = before; i < texts.length; i += batch) {
              await Promise.all(
                texts
                  .slice(i, Math.min(i + batch, texts.length))
                  .map((text) => writer.submit((tx) => replica.append(tx, text))),
              );
            }
            const leaves = texts.map((text) => Buffer.from(text));
            assert.ok((await log.rootAt(leaves.length)).equals(referenceRoot(leaves)));
            const index = (before * 7 + after) % leaves.length;
            assert.deepEqual(
              await replica.inclusionProof(index, leaves.length),
              referenceInclusionProof(index, leaves),
            );
          },
        ),
        { numRuns: runs },
      );
    },
  );

  await t.test('a root that needs a leaf the store lost fails loudly', async () => {
    await clear(store);
    await appendAll(
      writer,
      log,
      Array.from({ length: 21 }, (_, i) => `leaf ${i}`),
      8,
    );
    await store.db.deleteFrom('auditLeaves').where('idx', '=', 18).execute();
    await assert.rejects(log.rootAt(21), /leaf 18 is missing/);
    assert.ok(
      (await log.rootAt(16)).equals(referenceRoot(Array.from({ length: 16 }, (_, i) => Buffer.from(`leaf ${i}`)))),
      'a root of stored nodes alone needs no leaf',
    );
  });

  await t.test(
    'a leaf row keeps the hashes of the subtrees of 16 leaves and more that end at it, lowest first, and no other row keeps any',
    async () => {
      await clear(store);
      const leaves = Array.from({ length: 50 }, (_, i) => Buffer.from(`leaf ${i}`));
      await appendAll(
        writer,
        log,
        leaves.map((leaf) => leaf.toString()),
        7,
      );
      const rows = await store.db
        .selectFrom('auditLeaves')
        .select(['idx', 'subtreeHashes'])
        .where('subtreeHashes', 'is not', null)
        .orderBy('idx')
        .execute();
      const subtree = (begin: number, end: number) => referenceRoot(leaves.slice(begin, end));
      assert.deepEqual(
        rows.map((row) => [Number(row.idx), Buffer.from(row.subtreeHashes!).toString('hex')]),
        [
          [15, subtree(0, 16).toString('hex')],
          [31, Buffer.concat([subtree(16, 32), subtree(0, 32)]).toString('hex')],
          [47, subtree(32, 48).toString('hex')],
        ],
      );
    },
  );

  await t.test('appends of one transaction run at once are refused as a broken invariant', async () => {
    await clear(store);
    await writer.submit((tx) => log.append(tx, 'a'));
    // Both find the batch's edge not yet read and read it; the second would reuse index 1.
    await assert.rejects(
      writer.submit((tx) => Promise.all([log.append(tx, 'b'), log.append(tx, 'c')])),
      { name: 'InvariantViolation', message: "a leaf's index follows the one before it" },
    );
    await writer.submit((tx) => log.append(tx, 'b'));
    assert.equal(await log.size(), 2);
    assert.ok((await log.rootAt(2)).equals(referenceRoot([Buffer.from('a'), Buffer.from('b')])));
  });

  await writer.close();
}

testOnEachStore('transparency log', contract);
