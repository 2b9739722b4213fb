/** What a benchmark sends requests to: the upstream itself, the bare proxy, Commonweal or Portkey. */
export interface BenchTarget {
  readonly label: 'A' | 'B' | 'C' | 'D';
  readonly name: string;
  readonly origin: string;
  /** The process between client and upstream, whose CPU and memory are measured; none for direct. */
  readonly proxyPid: number | null;
  readonly headers: Readonly<Record<string, string>>;
}

export const workloadModes = ['json', 'stream'] as const;
export type WorkloadMode = (typeof workloadModes)[number];

export const chatPath = '/v1/chat/completions';

const messages = [{ role: 'user', content: 'Say hello in one short sentence.' }];

/** The request body of one chat completion, plain or streamed (with usage asked for, as the gateway always does upstream). */
export function chatBody(mode: WorkloadMode, extra: Readonly<Record<string, unknown>> = {}): string {
  const streaming = mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {};
  return JSON.stringify({ model: 'bench-model', messages, max_tokens: 32, ...streaming, ...extra });
}
