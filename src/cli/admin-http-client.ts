import type { CliSettings } from '../config/index.js';

/** A failure the CLI reports as one line on stderr, with no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The status of a server answer that was an error; null for failures on this side. */
  readonly status: number | null;

  constructor(message: string, status: number | null = null) {
    super(message);
    this.status = status;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Talks to a running server's management API, as kubectl talks to its API server.
 * Server errors come back as their OpenAI-shaped message and code.
 */
export class AdminHttpClient {
  readonly #settings: CliSettings;

  constructor(settings: CliSettings) {
    this.#settings = settings;
  }

  async call<T = unknown>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    if (this.#settings.token === undefined) {
      throw new CliError(
        `no admin token: pass --token, set COMMONWEAL_ADMIN_TOKEN, or put {"token": "..."} in ${this.#settings.settingsFile}`,
      );
    }
    const url = `${this.#settings.server}/admin/v1${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#settings.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(
        `cannot reach the server at ${this.#settings.server} (${reason}); is "commonweal serve" running? (--server)`,
      );
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (parsed as { error?: { message?: string; code?: string } } | undefined)?.error;
      throw new CliError(`${response.status} ${error?.code ?? 'error'}: ${error?.message ?? text}`, response.status);
    }
    return parsed as T;
  }
}
