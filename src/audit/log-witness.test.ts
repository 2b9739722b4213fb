import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CompactRange } from './compact-range.js';
import { LogSigner } from './log-signer.js';
import { LogInconsistencyError, LogWitness } from './log-witness.js';
import { leafHash } from './merkle-hash.js';
import { referenceConsistencyProof } from '../../test/helpers/rfc9162-reference.js';

/*
 * A witness against a log server that behaves, then one that rewinds, forks or rewrites
 * its history: the log here is a stand-in HTTP server whose answers each test chooses.
 */

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = new LogSigner('test.example/log', privateKey, publicKey);
const leaves = Array.from({ length: 9 }, (_, i) => Buffer.from(`leaf ${i}`));

function checkpointOf(tree: readonly Buffer[]): string {
  const range = new CompactRange(0, []);
  for (const leaf of tree) range.append(leafHash(leaf));
  return signer.signCheckpoint(tree.length, range.root());
}

describe('LogWitness', () => {
  let server: Server;
  let witness: LogWitness;
  /** What the log answers: its current tree, and the leaves it builds its proofs from. */
  let served: { checkpoint: string; proofTree: readonly Buffer[] };

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/log/checkpoint') return res.end(served.checkpoint);
      const from = Number(url.searchParams.get('from'));
      const hashes = referenceConsistencyProof(from, served.proofTree).map((h) => h.toString('base64'));
      res.end(JSON.stringify({ hashes }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    witness = new LogWitness({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key: signer.key,
      timeoutMs: 5_000,
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a first checkpoint, then a grown tree with a proof from the old one', async () => {
    served = { checkpoint: checkpointOf(leaves.slice(0, 5)), proofTree: leaves.slice(0, 5) };
    const first = await witness.observe(undefined);
    assert.equal(first.observation.current.size, 5);
    served = { checkpoint: checkpointOf(leaves), proofTree: leaves };
    const second = await witness.observe(first.state);
    assert.deepEqual(
      [second.observation.previous?.size, second.observation.current.size, second.observation.grew],
      [5, 9, true],
    );
    const same = await witness.observe(second.state);
    assert.equal(same.observation.grew, false);
  });

  it('raises the alarm when the log rewinds, forks or rewrote a leaf it had signed', async () => {
    const state = { checkpoint: checkpointOf(leaves.slice(0, 5)) };
    served = { checkpoint: checkpointOf(leaves.slice(0, 4)), proofTree: leaves.slice(0, 4) };
    await assert.rejects(witness.observe(state), LogInconsistencyError);
    const forked = [...leaves.slice(0, 4), Buffer.from('another leaf 4')];
    served = { checkpoint: checkpointOf(forked), proofTree: forked };
    await assert.rejects(witness.observe(state), /two different roots/);
    const rewritten = [Buffer.from('rewritten leaf 0'), ...leaves.slice(1)];
    served = { checkpoint: checkpointOf(rewritten), proofTree: rewritten };
    await assert.rejects(witness.observe(state), /does not contain/);
  });

  it('refuses a checkpoint signed by another key', async () => {
    const other = generateKeyPairSync('ed25519');
    const impostor = new LogSigner('test.example/log', other.privateKey, other.publicKey);
    served = { checkpoint: impostor.signCheckpoint(1, leafHash(leaves[0]!)), proofTree: leaves.slice(0, 1) };
    await assert.rejects(witness.observe(undefined), /no signature/);
  });
});
