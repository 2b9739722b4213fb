import { CommonwealError } from '../errors/index.js';
import type { ChatGeneration, ChatMessage } from './loaded-model.js';

/** An OpenAI chat completion request, checked and reduced to what the embedded engine does. */
export interface ChatCompletionRequest {
  /** The name to answer with: the deployment's upstream model name. */
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly generation: ChatGeneration;
}

const messagesMax = 10_000;
const stopSequencesMax = 16;
const stopSequenceLengthMax = 256;

function invalid(message: string, param: string): CommonwealError {
  return new CommonwealError('invalid_request', message, { param });
}

function numberIn(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw invalid(`${name} must be a number from ${min} to ${max}`, name);
  return value;
}

function optionalInteger(body: Record<string, unknown>, name: string, min: number): number | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw invalid(`${name} must be an integer of at least ${min}`, name);
  return value;
}

function textOf(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content))
    throw invalid(`messages[${index}].content must be a string or an array of parts`, `messages[${index}].content`);
  return content
    .map((part: unknown) => {
      const p = part as { type?: unknown; text?: unknown } | null;
      if (p?.type !== 'text' || typeof p.text !== 'string') {
        throw invalid(
          `messages[${index}] has a part that is not text; this model takes text only`,
          `messages[${index}].content`,
        );
      }
      return p.text;
    })
    .join('');
}

function messagesOf(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('messages must be a non-empty array', 'messages');
  if (value.length > messagesMax) throw invalid(`messages may hold at most ${messagesMax} items`, 'messages');
  return value.map((raw: unknown, index) => {
    const message = raw as { role?: unknown; content?: unknown; tool_calls?: unknown } | null;
    const role = message?.role;
    if (role === 'tool' || (Array.isArray(message?.tool_calls) && message.tool_calls.length > 0)) {
      throw invalid('tool calls are not supported by the embedded engine', `messages[${index}]`);
    }
    if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant') {
      throw invalid(`messages[${index}].role must be system, developer, user or assistant`, `messages[${index}].role`);
    }
    return { role: role === 'developer' ? 'system' : role, content: textOf(message?.content, index) };
  });
}

function stopOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  const valid =
    Array.isArray(list) &&
    list.length <= stopSequencesMax &&
    list.every((s: unknown) => typeof s === 'string' && s !== '' && s.length <= stopSequenceLengthMax);
  if (!valid) throw invalid(`stop must be a string or up to ${stopSequencesMax} non-empty strings`, 'stop');
  return list as string[];
}

/** The JSON schema a `response_format` asks for; null for plain text. */
function jsonSchemaOf(value: unknown): object | null {
  if (value === undefined || value === null) return null;
  const format = value as { type?: unknown; json_schema?: { schema?: unknown } };
  if (format.type === 'text') return null;
  if (format.type === 'json_object') return { type: 'object' };
  if (format.type === 'json_schema') {
    const schema = format.json_schema?.schema;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw invalid('response_format.json_schema.schema must be a JSON schema object', 'response_format');
    }
    return schema;
  }
  throw invalid('response_format.type must be text, json_object or json_schema', 'response_format');
}

function refuseUnsupported(body: Record<string, unknown>): void {
  if (body.n !== undefined && body.n !== null && body.n !== 1)
    throw invalid('n must be 1: the embedded engine writes one choice', 'n');
  if (Array.isArray(body.tools) && body.tools.length > 0)
    throw invalid('tools are not supported by the embedded engine', 'tools');
  if (Array.isArray(body.functions) && body.functions.length > 0)
    throw invalid('functions are not supported by the embedded engine', 'functions');
  if (body.logprobs === true) throw invalid('logprobs are not supported by the embedded engine', 'logprobs');
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    throw invalid('stream must be a boolean', 'stream');
}

/**
 * Reads the request options llama.cpp supports: temperature, top_p, max_tokens (or
 * max_completion_tokens), stop, seed, frequency and presence penalties and
 * response_format (JSON object or JSON schema, enforced by a grammar). Options it cannot
 * honour are refused with a 400 rather than silently ignored; fields with no effect on
 * generation (user, metadata) are ignored, as OpenAI does.
 */
export function parseChatCompletionRequest(body: Readonly<Record<string, unknown>>): ChatCompletionRequest {
  refuseUnsupported(body);
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  const maxTokens = optionalInteger(body, 'max_completion_tokens', 1) ?? optionalInteger(body, 'max_tokens', 1);
  return {
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    generation: {
      messages: messagesOf(body.messages),
      maxTokens,
      temperature: numberIn(body, 'temperature', 0, 2, 1),
      topP: numberIn(body, 'top_p', 0, 1, 1),
      seed: optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER),
      stop: stopOf(body.stop),
      frequencyPenalty: numberIn(body, 'frequency_penalty', -2, 2, 0),
      presencePenalty: numberIn(body, 'presence_penalty', -2, 2, 0),
      jsonSchema: jsonSchemaOf(body.response_format),
    },
  };
}
