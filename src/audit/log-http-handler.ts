import type { IncomingMessage, ServerResponse } from 'node:http';
import { CommonwealError, writeError } from '../errors/index.js';
import type { CheckpointPublisher } from './checkpoint-publisher.js';
import type { LogSigner } from './log-signer.js';
import type { ReceiptBundle } from './receipt-bundle.js';
import type { ReceiptBundles } from './receipt-bundles.js';
import type { TransparencyLog } from './transparency-log.js';

export interface LogHttpDeps {
  readonly log: TransparencyLog;
  readonly receipts: ReceiptBundles;
  readonly checkpoints: CheckpointPublisher;
  readonly signer: LogSigner;
  /** Authenticates an API key from the Authorization header, throwing as the gateway does. */
  readonly authenticate: (authorization: string | undefined) => { readonly organizationId: string };
  readonly onUnexpected: (error: unknown) => void;
}

export const logKeyPath = '/.well-known/commonweal/log-key';
const receiptsPrefix = '/v1/receipts/';
const decimal = /^(0|[1-9][0-9]{0,15})$/;

/** The log's HTTP face, on plain node:http like the rest of /v1. */
export interface LogHttpHandler {
  /** True for the paths this handler answers, so that the server sends them here and not to the gateway. */
  handles(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * The public endpoints of the transparency log — its key, its latest checkpoint, and
 * inclusion and consistency proofs, none of which names a tenant — and
 * `GET /v1/receipts/{id}`, which only a key of the receipt's organization may read.
 */
export function createLogHttpHandler(deps: LogHttpDeps): LogHttpHandler {
  return {
    handles: (path) =>
      path === logKeyPath || path === '/v1/log' || path.startsWith('/v1/log/') || path.startsWith(receiptsPrefix),
    handle(req, res) {
      route(deps, req, res).catch((error: unknown) => {
        if (writeError(res, error)) deps.onUnexpected(error);
      });
    },
  };
}

async function route(deps: LogHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://log.invalid');
  if (req.method !== 'GET')
    throw new CommonwealError('method_not_allowed', `${url.pathname} takes GET, not ${req.method}`);
  if (url.pathname === logKeyPath) return sendJson(res, logKey(deps.signer), 'public, max-age=3600');
  if (url.pathname === '/v1/log/checkpoint') return sendCheckpoint(deps, res);
  if (url.pathname === '/v1/log/checkpoints') return sendCheckpointHistory(deps, res, url.searchParams);
  if (url.pathname === '/v1/log/proof/inclusion') return sendInclusion(deps, res, url.searchParams);
  if (url.pathname === '/v1/log/proof/consistency') return sendConsistency(deps, res, url.searchParams);
  if (url.pathname.startsWith(receiptsPrefix)) {
    const caller = deps.authenticate(req.headers.authorization);
    return sendJson(
      res,
      await receiptBundle(deps, receiptIdOf(url.pathname), caller.organizationId),
      'private, no-store',
    );
  }
  throw new CommonwealError('route_not_found', `no route for GET ${url.pathname}`);
}

function logKey(signer: LogSigner) {
  return {
    object: 'log_key',
    origin: signer.origin,
    algorithm: 'Ed25519',
    verifierKey: signer.verifierKey,
    publicKey: signer.key.publicKey.toString('base64'),
  };
}

async function sendCheckpoint(deps: LogHttpDeps, res: ServerResponse): Promise<void> {
  const checkpoint = await deps.checkpoints.covering(0);
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
    'content-length': Buffer.byteLength(checkpoint.note),
  });
  res.end(checkpoint.note);
}

const historyLimitMax = 1000;

/** The signed checkpoints, newest first, a page at a time: how the log grew, for anyone to chart or re-verify. */
async function sendCheckpointHistory(deps: LogHttpDeps, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const limit = query.has('limit') ? treeSizeParam(query, 'limit') : 100;
  if (limit < 1 || limit > historyLimitMax)
    throw new CommonwealError('invalid_request', `limit must be between 1 and ${historyLimitMax}`, { param: 'limit' });
  const below = query.has('below') ? treeSizeParam(query, 'below') : undefined;
  const page = await deps.checkpoints.history(limit, below);
  const last = page.at(-1);
  sendJson(
    res,
    {
      object: 'list',
      data: page.map((checkpoint) => ({
        object: 'checkpoint',
        treeSize: checkpoint.size,
        rootHash: checkpoint.root.toString('base64'),
        createdAt: checkpoint.createdAt,
        note: checkpoint.note,
      })),
      nextBelow: page.length === limit && last !== undefined && last.size > 0 ? last.size : null,
    },
    'no-cache',
  );
}

async function sendInclusion(deps: LogHttpDeps, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const index = treeSizeParam(query, 'index');
  const size = treeSizeParam(query, 'size');
  if (index >= size)
    throw new CommonwealError('invalid_request', `index must be below size (${index} ≥ ${size})`, { param: 'index' });
  await checkWithinLog(deps, size, 'size');
  const hashes = await deps.log.inclusionProof(index, size);
  // A proof for committed sizes never changes, so caches may keep it for good.
  sendJson(
    res,
    { object: 'inclusion_proof', index, size, hashes: hashes.map((h) => h.toString('base64')) },
    'public, max-age=31536000, immutable',
  );
}

async function sendConsistency(deps: LogHttpDeps, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const from = treeSizeParam(query, 'from');
  const to = treeSizeParam(query, 'to');
  if (from < 1 || from > to)
    throw new CommonwealError('invalid_request', `from must be at least 1 and at most to (from ${from}, to ${to})`, {
      param: 'from',
    });
  await checkWithinLog(deps, to, 'to');
  const hashes = await deps.log.consistencyProof(from, to);
  sendJson(
    res,
    { object: 'consistency_proof', from, to, hashes: hashes.map((h) => h.toString('base64')) },
    'public, max-age=31536000, immutable',
  );
}

async function receiptBundle(deps: LogHttpDeps, id: string, organizationId: string): Promise<ReceiptBundle> {
  const found = await deps.receipts.find(id);
  // Another organization's receipt answers exactly as a missing one.
  if (found === undefined || found.organizationId !== organizationId) {
    throw new CommonwealError('not_found', `receipt "${id.slice(0, 128)}" not found`);
  }
  return found.bundle;
}

function receiptIdOf(path: string): string {
  const encoded = path.slice(receiptsPrefix.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    // A malformed escape names no receipt: answer as for any unknown id.
    throw new CommonwealError('not_found', `receipt "${encoded.slice(0, 128)}" not found`);
  }
}

function treeSizeParam(query: URLSearchParams, name: string): number {
  const text = query.get(name);
  if (text === null || !decimal.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CommonwealError('invalid_request', `${name} must be a non-negative integer`, { param: name });
  }
  return Number(text);
}

async function checkWithinLog(deps: LogHttpDeps, size: number, param: string): Promise<void> {
  const logSize = await deps.log.size();
  if (size > logSize)
    throw new CommonwealError('invalid_request', `the log holds ${logSize} leaves; ${param} ${size} is beyond it`, {
      param,
    });
}

function sendJson(res: ServerResponse, value: unknown, cacheControl: string): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': cacheControl,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
