/**
 * The headers that make Portkey's gateway send a chat completion on to `upstreamOrigin` as
 * to OpenAI: it routes each request by its headers, not by a config file. Portkey trusts
 * 127.0.0.1 as a custom host by default.
 */
export function portkeyRoutingHeaders(upstreamOrigin: string): Readonly<Record<string, string>> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamOrigin}/v1` };
}
