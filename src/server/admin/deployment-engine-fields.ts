import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { EngineKind } from '../../catalog/index.js';
import { CommonwealError } from '../../errors/index.js';
import { parseModelRef } from '../../model-files/index.js';

export const ModelSource = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'embedded: the GGUF file, as an absolute path on the server or hf:<user>/<repo>/<file>.gguf (pulled with `commonweal models pull`)',
});

export const EngineOptions = Type.Object(
  {
    contextSize: Type.Optional(
      Type.Union([Type.Integer({ minimum: 64, maximum: 1_048_576 }), Type.Literal('auto')], {
        description: 'tokens per sequence',
      }),
    ),
    gpuLayers: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 10_000 }), Type.Literal('auto'), Type.Literal('max')]),
    ),
    parallelSequences: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'requests generated at once' }),
    ),
    threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  },
  { additionalProperties: false, description: 'embedded: how to run the model; absent fields take their defaults' },
);

interface EngineFields {
  readonly baseUrl?: string | undefined;
  readonly upstreamApiKey?: string | null | undefined;
  readonly source?: string | undefined;
  readonly engineOptions?: object | null | undefined;
}

function refuse(message: string, param: string): never {
  throw new CommonwealError('invalid_request', message, { param });
}

/**
 * Each kind has its own fields: an `openai` deployment needs a baseUrl and has no source,
 * an `embedded` one needs a source and has no baseUrl or upstream key, since it runs in
 * this server. `creating` is false for a change, where absent fields keep their value.
 */
export function checkEngineFields(kind: EngineKind, fields: EngineFields, creating: boolean): void {
  if (kind === 'openai') {
    if (creating && fields.baseUrl === undefined) refuse('a deployment of kind "openai" needs a baseUrl', 'baseUrl');
    if (fields.source !== undefined) refuse('source is for deployments of kind "embedded"', 'source');
    if (fields.engineOptions !== undefined && fields.engineOptions !== null)
      refuse('engineOptions are for deployments of kind "embedded"', 'engineOptions');
    return;
  }
  if (creating && fields.source === undefined)
    refuse('a deployment of kind "embedded" needs a source (a GGUF file path or hf: reference)', 'source');
  if (fields.baseUrl !== undefined)
    refuse('an embedded deployment runs inside this server and has no baseUrl', 'baseUrl');
  if (fields.upstreamApiKey !== undefined && fields.upstreamApiKey !== null)
    refuse('an embedded deployment runs inside this server and has no upstreamApiKey', 'upstreamApiKey');
  if (fields.source === undefined) return;
  try {
    parseModelRef(fields.source);
  } catch (error) {
    refuse(`source "${fields.source.slice(0, 200)}" is not usable: ${(error as Error).message}`, 'source');
  }
}

/**
 * Refuses a source that is a path to no readable file on this server, naming the path: such
 * a deployment would only fail on its first request. `hf:` and URL sources are looked up
 * under the models directory, where `models pull` may still put them, so they are let through.
 */
export async function checkSourceFile(source: string | undefined): Promise<void> {
  if (source === undefined) return;
  const ref = parseModelRef(source);
  if (ref.kind !== 'file') return;
  try {
    if (!(await stat(ref.path)).isFile()) refuse(`source ${ref.path} is not a file`, 'source');
    await access(ref.path, constants.R_OK);
  } catch (error) {
    if (error instanceof CommonwealError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist on the server' : `cannot be read by the server (${code})`;
    refuse(`source ${ref.path} ${reason}`, 'source');
  }
}
