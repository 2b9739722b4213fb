/** Where an OpenAI-compatible server is: the origin to connect to and the API's path there. */
export interface OpenAiBaseUrl {
  readonly origin: string;
  /** The path that replaces `/v1` in OpenAI API paths; no trailing slash. */
  readonly apiPath: string;
}

/**
 * Reads a deployment's base URL the way the OpenAI SDKs read theirs: API paths are
 * appended to it without their `/v1`, so `http://host:8000/v1` serves chat at
 * `/v1/chat/completions` and `https://host/v1beta/openai` at `/v1beta/openai/chat/completions`.
 * A bare origin such as `http://host:8000` gets `/v1`, because every OpenAI-compatible
 * server (vLLM, SGLang, llama.cpp, Ollama, TGI) serves there and operators often leave
 * it out. Trailing slashes are ignored.
 */
export function parseOpenAiBaseUrl(baseUrl: string): OpenAiBaseUrl {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('a base URL must use http or https');
  // Credentials in the URL would escape the sealed upstream key and end up in logs.
  if (url.username !== '' || url.password !== '')
    throw new TypeError('a base URL must not contain credentials; set the upstream API key');
  if (url.search !== '' || url.hash !== '') throw new TypeError('a base URL must not have a query or fragment');
  const path = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, apiPath: path === '' ? '/v1' : path };
}

/** The upstream path for an OpenAI API path such as `/v1/chat/completions?x=1`. */
export function toUpstreamPath(base: OpenAiBaseUrl, openAiPath: string): string {
  if (!openAiPath.startsWith('/v1/')) throw new TypeError(`not an OpenAI API path: ${openAiPath}`);
  return base.apiPath + openAiPath.slice(3);
}
