import type { ServerResponse } from 'node:http';
import { CommonwealError } from '../errors/index.js';
import { buildStatement, type Ledger, statementCsv } from '../ledger/index.js';
import type { InferenceCaller } from './key-table.js';

export const billingStatementPath = '/v1/billing/statement';

/**
 * GET /v1/billing/statement: the caller's own organization's account statement, for
 * the project keys that call /v1. Which organization is never a parameter: it is the
 * key's, so no key can read anyone else's.
 */
export async function answerBillingStatement(
  ledger: Ledger,
  caller: InferenceCaller,
  url: string,
  res: ServerResponse,
): Promise<void> {
  const query = new URL(url, 'http://localhost').searchParams;
  for (const name of query.keys()) {
    if (name !== 'since' && name !== 'until' && name !== 'format')
      throw new CommonwealError('unknown_field', `unknown query parameter "${name}"`, { param: name });
  }
  const format = query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new CommonwealError('invalid_request', 'format must be json or csv', { param: 'format' });
  const statement = await buildStatement(ledger, caller.organizationId, {
    since: query.get('since') ?? undefined,
    until: query.get('until') ?? undefined,
  });
  const body = format === 'csv' ? statementCsv(statement) : JSON.stringify(statement);
  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
