import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { patternExpectation } from '../../config/index.js';
import { CliError } from '../admin-http-client.js';
import { type PlatformDocument, PlatformDocumentSchema, platformLists } from './declared-schemas.js';
import { resourceKinds } from './resource-kinds.js';

// Like the admin API's bodies: no coercion, no defaults filled in, unknown fields refused.
const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: false, verbose: true });
const validate = ajv.compile<PlatformDocument>(PlatformDocumentSchema);

function pathOf(error: ErrorObject): string {
  return error.instancePath.replace(/^\//, '').replaceAll('/', '.');
}

/** The values of a choice among constants (`scope: organization | project`), or undefined for any other schema. */
function choices(error: ErrorObject | undefined): unknown[] | undefined {
  if (error?.keyword !== 'anyOf' || !Array.isArray(error.schema)) return undefined;
  const branches = error.schema as Record<string, unknown>[];
  return branches.every((b) => 'const' in b) ? branches.map((b) => b.const) : undefined;
}

/**
 * Ajv's errors as one sentence naming the field by its path in the file, e.g.
 * `sites.1.jurisdiction`. A choice among constants fails in each branch first; the
 * sentence then names the choices rather than the first branch alone.
 */
function describe(errors: readonly ErrorObject[]): string {
  const last = errors.at(-1);
  const allowed = choices(last);
  if (last !== undefined && allowed !== undefined) {
    return `${pathOf(last) || 'the file'} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const error = errors[0];
  if (error === undefined) return 'is not a platform file';
  const path = pathOf(error);
  const field = (name: unknown) => (path ? `${path}.${String(name)}` : String(name));
  if (error.keyword === 'additionalProperties') return `unknown field "${field(error.params.additionalProperty)}"`;
  if (error.keyword === 'required') return `missing required field "${field(error.params.missingProperty)}"`;
  const expected =
    error.keyword === 'pattern'
      ? patternExpectation(error.parentSchema)
      : error.keyword === 'const'
        ? JSON.stringify(error.params.allowedValue)
        : undefined;
  return `${path || 'the file'} ${expected === undefined ? error.message : `must be ${expected}`}`;
}

/** Parses a platform file's text, YAML or JSON (JSON is YAML too, but its own parser words errors better). */
function parseText(text: string, name: string): unknown {
  const json = /\.json$/i.test(name);
  try {
    return json ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new CliError(`${name} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
}

/** A second item with the id of an earlier one would make the plan depend on their order: refused. */
function refuseDuplicates(document: PlatformDocument, name: string): void {
  for (const list of platformLists) {
    const seen = new Map<string, number>();
    for (const [index, item] of (document[list] ?? []).entries()) {
      const key = resourceKinds[list].key(item);
      const first = seen.get(key);
      if (first !== undefined) {
        throw new CliError(`${name}: ${list}.${index} declares ${key} again (${list}.${first} already does)`);
      }
      seen.set(key, index);
    }
  }
}

/**
 * Reads and checks a declared platform. A bad field stops it before anything is sent,
 * with the field's path in the file, e.g. `sites.1.jurisdiction must be an ISO 3166-1 …`.
 */
export function parsePlatformFile(text: string, name: string): PlatformDocument {
  const parsed = parseText(text, name);
  if (!validate(parsed)) {
    throw new CliError(`${name}: ${describe(validate.errors ?? [])}`);
  }
  refuseDuplicates(parsed, name);
  return parsed;
}

export function readPlatformFile(path: string): PlatformDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parsePlatformFile(text, path);
}
