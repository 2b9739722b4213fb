import { performance } from 'node:perf_hooks';
import { leafHash, type TransparencyLog, verifyConsistency, verifyInclusion } from '../../src/audit/index.js';

export interface ProofSample {
  readonly size: number;
  readonly kind: 'inclusion' | 'consistency' | 'root';
  readonly proofs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly hashesPerProofMax: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(size: number, kind: ProofSample['kind'], times: number[], hashesMax: number): ProofSample {
  times.sort((a, b) => a - b);
  return {
    size,
    kind,
    proofs: times.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times.at(-1)!,
    hashesPerProofMax: hashesMax,
  };
}

/** A seeded generator, so that runs at the same size ask for the same proofs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * Times `count` inclusion proofs (random leaf, at the full size) and `count` consistency
 * proofs (random older size) through the log's own reads, and checks every one against
 * the root, so that a fast wrong answer cannot pass for a result.
 */
export async function measureProofs(log: TransparencyLog, size: number, count: number): Promise<ProofSample[]> {
  const next = random(size);
  const roots: number[] = [];
  let root = await log.rootAt(size);
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    root = await log.rootAt(size);
    roots.push(performance.now() - started);
  }
  const inclusion: number[] = [];
  let inclusionMax = 0;
  for (let i = 0; i < count; i += 1) {
    const index = Math.floor(next() * size);
    const started = performance.now();
    const proof = await log.inclusionProof(index, size);
    inclusion.push(performance.now() - started);
    inclusionMax = Math.max(inclusionMax, proof.length);
    const entry = `{"id":"chg_${index}","type":"commonweal.admin_change"}`;
    if (!verifyInclusion(index, size, leafHash(entry), proof, root))
      throw new Error(`inclusion proof of ${index} in ${size} does not verify`);
  }
  const consistency: number[] = [];
  let consistencyMax = 0;
  for (let i = 0; i < count; i += 1) {
    const from = 1 + Math.floor(next() * (size - 1));
    const started = performance.now();
    const proof = await log.consistencyProof(from, size);
    consistency.push(performance.now() - started);
    consistencyMax = Math.max(consistencyMax, proof.length);
    if (i % 50 === 0 && !verifyConsistency(from, size, proof, await log.rootAt(from), root))
      throw new Error(`consistency proof ${from} → ${size} does not verify`);
  }
  return [
    summary(size, 'root', roots, 0),
    summary(size, 'inclusion', inclusion, inclusionMax),
    summary(size, 'consistency', consistency, consistencyMax),
  ];
}
