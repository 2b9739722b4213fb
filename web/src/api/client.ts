import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/admin-api';

/** The OpenAI-shaped error every layer of the server answers with. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
  ) {
    super(message);
  }
}

interface ErrorBody {
  readonly error?: { readonly message?: unknown; readonly code?: unknown; readonly param?: unknown };
}

/** The server's own message when it sent one; the status line when something in between answered. */
export function apiError(status: number, body: unknown): ApiError {
  const error = (body as ErrorBody | null)?.error;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return new ApiError(
    status,
    text(error?.message) ?? `the server answered HTTP ${status}`,
    text(error?.code),
    text(error?.param),
  );
}

let token: string | undefined;

/** The bearer token every call carries; set at sign-in, cleared at sign-out. It lives in memory and sessionStorage only. */
export function setApiToken(value: string | undefined): void {
  token = value;
}

const authorize: Middleware = {
  onRequest({ request }) {
    if (token !== undefined) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

/** The management API, typed from its OpenAPI document (generated at build time, never written by hand). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authorize);

/** The data of a call's answer, or its error thrown as an `ApiError`, for TanStack Query. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw apiError(response.status, error);
  return data as T;
}

/** A route that can answer CSV answers JSON unless asked otherwise: this takes the JSON form, or says what came. */
export function jsonOnly<T>(answer: T | string): T {
  if (typeof answer === 'string') throw new Error('the server answered text where JSON was asked for');
  return answer;
}
