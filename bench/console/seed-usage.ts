import { type UsageRecord, UsageRepository } from '../../src/metering/index.js';
import { type Store, WriteTransaction } from '../../src/store/index.js';

/** The tenants, sites and models the seeded records name; the bench creates them through the admin API. */
export const seedOrganizations = Array.from({ length: 20 }, (_, i) => ({
  id: `org-${String(i).padStart(2, '0')}`,
  home: ['DE', 'FR', 'NL', 'SE', 'FI'][i % 5]!,
}));
export const seedSites = [
  { id: 'fra-1', jurisdiction: 'DE' },
  { id: 'ber-1', jurisdiction: 'DE' },
  { id: 'par-1', jurisdiction: 'FR' },
  { id: 'ams-1', jurisdiction: 'NL' },
  { id: 'sto-1', jurisdiction: 'SE' },
  { id: 'hel-1', jurisdiction: 'FI' },
];
export const seedModels = ['llama-3.3-70b', 'qwen3-32b', 'qwen3-8b', 'mistral-small', 'gemma-3-27b', 'bge-m3'];

const dayMs = 86_400_000;
const recordsPerTransaction = 10_000;

/** A small deterministic generator (mulberry32), so that both stores get the same records. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index into `count` items with a skew like real traffic: the first few take most of it. */
function skewed(next: () => number, count: number): number {
  return Math.min(count - 1, Math.floor(count * next() ** 2.5));
}

function recordAt(next: () => number, index: number, createdAt: string): UsageRecord {
  const organization = seedOrganizations[skewed(next, seedOrganizations.length)]!;
  const project = Math.floor(next() * 3);
  const site = seedSites[(seedOrganizations.indexOf(organization) + Math.floor(next() * 2)) % seedSites.length]!;
  const roll = next();
  const rejected = roll < 0.03;
  const failed = !rejected && roll < 0.05;
  const aborted = !rejected && !failed && roll < 0.06;
  const promptTokens = rejected ? 0 : 50 + Math.floor(next() * 2000);
  const completionTokens = rejected ? 0 : Math.floor(next() * 800);
  const firstByteMs = rejected ? null : 20 + Math.floor(next() ** 3 * 3000);
  const priced = rejected ? 0 : promptTokens + 3 * completionTokens;
  return {
    object: 'usage_record',
    id: `req_seed_${index}`,
    createdAt,
    organizationId: organization.id,
    projectId: `${organization.id}-p${project}`,
    apiKeyId: `${organization.id}-p${project}-k${Math.floor(next() * 2)}`,
    modelId: seedModels[skewed(next, seedModels.length)]!,
    endpoint: 'chat.completions',
    deploymentId: rejected ? null : `${site.id}-dep`,
    siteId: rejected ? null : site.id,
    jurisdiction: rejected ? null : site.jurisdiction,
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    usageEstimated: false,
    firstByteMs,
    totalMs: (firstByteMs ?? 2) + completionTokens * 8,
    status: rejected ? 403 : failed ? 502 : 200,
    outcome: rejected ? 'rejected' : failed ? 'upstream_error' : aborted ? 'client_aborted' : 'success',
    errorCode: rejected ? 'policy_denied' : failed ? 'upstream_error' : null,
    streamed: true,
    policyVersion: 1,
    creditsPricedMicro: priced,
    creditsChargedMicro: priced,
    creditsWrittenOffMicro: 0,
  };
}

/**
 * Writes `count` records spread evenly over the `days` before `endMs`, in time order as the
 * gateway writes them, straight through the usage repository in large transactions: the
 * group-commit writer's small transactions would take an hour for a million.
 */
export async function seedUsage(
  store: Store,
  count: number,
  days: number,
  endMs: number,
  progress: (written: number) => void,
): Promise<void> {
  const next = random(20_261_207);
  const repository = new UsageRepository(store);
  const startMs = endMs - days * dayMs;
  const stepMs = (days * dayMs) / count;
  for (let at = 0; at < count; at += recordsPerTransaction) {
    await store.db.transaction().execute(async (db) => {
      const tx = new WriteTransaction(db, store.dialect);
      for (let i = at; i < Math.min(count, at + recordsPerTransaction); i += 1) {
        const createdAt = new Date(Math.floor(startMs + i * stepMs)).toISOString();
        await repository.record(tx, recordAt(next, i, createdAt));
      }
      await tx.writeBatches();
    });
    progress(Math.min(count, at + recordsPerTransaction));
  }
}
