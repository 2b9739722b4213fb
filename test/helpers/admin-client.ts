import { request } from 'undici';
import { testAdminToken } from './temp-platform.js';

export interface JsonAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: any;
}

/** Calls the admin API over real HTTP, as a client would, and parses the JSON answer. */
export async function callAdmin(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null } = {},
): Promise<JsonAnswer> {
  const token = options.token === undefined ? testAdminToken : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const answer = await request(baseUrl + path, { method, headers, body: payload });
  const text = await answer.body.text();
  return { status: answer.statusCode, headers: answer.headers, body: text === '' ? undefined : JSON.parse(text) };
}
