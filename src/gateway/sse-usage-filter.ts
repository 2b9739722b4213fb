import { StringDecoder } from 'node:string_decoder';

/** Token counts as OpenAI reports them. */
export interface OpenAiUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly total_tokens?: number;
}

const eventEnd = /\r?\n\r?\n/g;
/**
 * A `model` key and its string value. Outside a JSON string a quote is never escaped, so
 * the pattern can only meet a key, never text the model generated.
 */
const modelField = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/g;
/** Far above any chat chunk, even with logprobs; only a broken upstream reaches it. */
const eventSizeMaxDefault = 1024 * 1024;

/**
 * Why a stream cannot go on: the upstream sent an error event inside its 200 answer (as
 * vLLM does when generation fails), or a data event that is not a JSON object.
 */
export type SseStreamFault = 'error_event' | 'malformed_event';

/**
 * Watches an OpenAI server-sent event stream on its way to the client. Events pass
 * through as they complete, unchanged, except that:
 * - the `usage` the gateway asked for is read, and dropped from the client's stream
 *   when the client did not ask for it itself;
 * - `data: [DONE]` is held back: the caller sends it only once the request's usage is
 *   durable, so a client never sees a finished answer that was not metered;
 * - an error event or a data event that is not a JSON object stops the filter: that
 *   event and everything after it are held back, and `fault` says which, so the
 *   caller can meter the failure before it ends the stream with its own error event;
 * - `model` names the catalog's model, which the client asked for, not the upstream's
 *   own name for it.
 * Only events that mention "usage" or "error" are parsed; the rest are forwarded as bytes.
 */
export class SseUsageFilter {
  readonly #clientWantsUsage: boolean;
  readonly #modelField: string;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';
  #usage: OpenAiUsage | undefined;
  #contentEvents = 0;
  #sawDone = false;
  #fault: SseStreamFault | undefined;
  readonly #eventSizeMax: number;

  /**
   * `modelId` is the catalog's name of the model; `eventSizeMax` bounds one event (in
   * characters), so an upstream that never ends one cannot fill memory.
   */
  constructor(clientWantsUsage: boolean, modelId: string, eventSizeMax: number = eventSizeMaxDefault) {
    this.#clientWantsUsage = clientWantsUsage;
    this.#modelField = `"model":${JSON.stringify(modelId)}`;
    this.#eventSizeMax = eventSizeMax;
  }

  /** The usage the upstream reported, if it has by now. */
  get usage(): OpenAiUsage | undefined {
    return this.#usage;
  }

  /** Events that carried choices: a stand-in for completion tokens when no usage comes. */
  get contentEvents(): number {
    return this.#contentEvents;
  }

  get sawDone(): boolean {
    return this.#sawDone;
  }

  /** Set once the stream turned out to be failed or broken; nothing more is forwarded then. */
  get fault(): SseStreamFault | undefined {
    return this.#fault;
  }

  /**
   * Takes upstream bytes, or text from an engine that makes its answer as text; returns
   * the text to forward now (possibly empty). One stream is all bytes or all text.
   */
  push(chunk: Buffer | string): string {
    if (this.#fault !== undefined) return '';
    const text = this.#pending + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    let forward = '';
    let start = 0;
    // What was pending held no event end; only its last bytes may begin one with the new chunk.
    eventEnd.lastIndex = Math.max(0, this.#pending.length - 3);
    for (let match = eventEnd.exec(text); match !== null && this.#fault === undefined; match = eventEnd.exec(text)) {
      const end = match.index + match[0].length;
      forward += this.#event(text.slice(start, end), text.slice(start, match.index));
      start = end;
    }
    this.#pending = this.#fault === undefined ? text.slice(start) : '';
    if (this.#pending.length > this.#eventSizeMax) {
      this.#fault = 'malformed_event';
      this.#pending = '';
    }
    return forward;
  }

  /** What remains when the upstream ended without closing its last event. */
  flush(): string {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    return rest.trim() === '' || this.#fault !== undefined ? '' : this.#event(rest, rest);
  }

  #event(raw: string, body: string): string {
    if (!body.startsWith('data:')) return raw;
    const data = body.slice(5).trim();
    if (data === '[DONE]') {
      this.#sawDone = true;
      return '';
    }
    // A look at both ends, not a parse: enough to catch cut-off or garbled events cheaply.
    if (!data.startsWith('{') || !data.endsWith('}')) return this.#stop('malformed_event');
    const mentionsUsage = data.includes('"usage"');
    // An event that mentions both is parsed once, for both questions.
    const parsed = mentionsUsage || data.includes('"error"') ? parseEvent(data) : undefined;
    if (typeof parsed?.error === 'object' && parsed.error !== null) return this.#stop('error_event');
    if (data.includes('"choices":[{') || data.includes('"choices": [{')) this.#contentEvents += 1;
    const forward = !mentionsUsage || parsed === undefined ? raw : this.#usageEvent(raw, parsed);
    // Most servers name the model as asked, so an event that already names the catalog's model is left as it is.
    return forward.includes('"model"') && !forward.includes(this.#modelField)
      ? forward.replace(modelField, this.#modelField)
      : forward;
  }

  #stop(fault: SseStreamFault): string {
    this.#fault = fault;
    return '';
  }

  #usageEvent(raw: string, parsed: ParsedEvent): string {
    if (parsed.usage === null || typeof parsed.usage !== 'object') return raw;
    this.#usage = parsed.usage;
    if (this.#clientWantsUsage) return raw;
    // The gateway asked for usage on the client's behalf; what the client did not ask
    // for, it does not get: the usage-only chunk goes, and usage on a content chunk is blanked.
    if (!Array.isArray(parsed.choices) || parsed.choices.length === 0) return '';
    return `data: ${JSON.stringify({ ...parsed, usage: null })}\n\n`;
  }
}

/** The fields of a data event the filter looks at. */
interface ParsedEvent {
  readonly error?: unknown;
  readonly usage?: OpenAiUsage | null;
  readonly choices?: unknown[];
}

/** An event that does not parse is neither an error nor a usage report: it passes on as it came. */
function parseEvent(data: string): ParsedEvent | undefined {
  try {
    return JSON.parse(data) as ParsedEvent;
  } catch {
    return undefined;
  }
}
