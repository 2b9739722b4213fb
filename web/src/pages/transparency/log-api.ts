import { apiError } from '../../api/client';

/**
 * The transparency log's public endpoints (outside the management API, so outside its
 * OpenAPI document): their answers are checked by the verifier, never trusted.
 */
async function get(path: string, init?: RequestInit): Promise<Response> {
  const answer = await fetch(path, { ...init, cache: 'no-store' });
  if (!answer.ok) throw apiError(answer.status, await answer.json().catch(() => null));
  return answer;
}

export interface LogKey {
  readonly origin: string;
  readonly verifierKey: string;
}

export const fetchLogKey = async (): Promise<LogKey> =>
  (await get('/.well-known/commonweal/log-key')).json() as Promise<LogKey>;

export const fetchLatestCheckpoint = async (): Promise<string> => (await get('/v1/log/checkpoint')).text();

export async function fetchConsistencyProof(from: number, to: number): Promise<string[]> {
  const proof = (await (await get(`/v1/log/proof/consistency?from=${from}&to=${to}`)).json()) as { hashes: unknown };
  if (!Array.isArray(proof.hashes) || !proof.hashes.every((h) => typeof h === 'string'))
    throw new Error('the consistency proof is not a list of hashes');
  return proof.hashes;
}

export interface CheckpointSummary {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly createdAt: string;
}

export interface CheckpointPage {
  readonly data: readonly CheckpointSummary[];
  readonly nextBelow: number | null;
}

export const fetchCheckpointHistory = async (limit: number): Promise<CheckpointPage> =>
  (await get(`/v1/log/checkpoints?limit=${limit}`)).json() as Promise<CheckpointPage>;

/** A receipt bundle by id; the log serves it only to a key of the receipt's own organization. */
export async function fetchReceiptBundle(id: string, apiKey: string): Promise<string> {
  const answer = await get(`/v1/receipts/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return JSON.stringify(await answer.json(), null, 2);
}
