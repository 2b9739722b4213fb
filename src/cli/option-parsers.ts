import { InvalidArgumentError } from 'commander';

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer');
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new InvalidArgumentError('out of range');
  return parsed;
}

export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function parseBoolean(value: string): boolean {
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw new InvalidArgumentError('expected true or false');
}

/** `vendor:type:count` items separated by commas, e.g. `nvidia:H200:8,huawei:Ascend 910B:16`. */
export function parseAccelerators(value: string): { vendor: string; type: string; count: number }[] {
  return parseList(value).map((item) => {
    const match = /^([a-z]+):(.+):(\d+)$/.exec(item);
    if (!match) throw new InvalidArgumentError(`"${item}" is not vendor:type:count (e.g. nvidia:H200:8)`);
    return { vendor: match[1]!, type: match[2]!, count: Number(match[3]) };
  });
}

/**
 * What a parser returns for `none`: commander replaces a parser's null with "" (it reads
 * null as "no argument given"), so "clear this field" travels as this symbol and becomes
 * null only in the API body, through `apiValue`.
 */
export const noneValue: unique symbol = Symbol('none');

/** An option's value as the API takes it: `none` is null. */
export function apiValue(value: unknown): unknown {
  return value === noneValue ? null : value;
}

/** A limit, or `none`: lets `--rpm none` remove a limit. */
export function parseIntegerOrNone(value: string): number | typeof noneValue {
  return value === 'none' ? noneValue : parseInteger(value);
}

/** Text, or `none`: lets `--region none` clear an optional field. */
export function parseNullableText(value: string): string | typeof noneValue {
  return value === 'none' ? noneValue : value;
}

const engineOptionKeys: ReadonlySet<string> = new Set(['contextSize', 'gpuLayers', 'parallelSequences', 'threads']);

/** `contextSize=4096,gpuLayers=auto,…` to an embedded deployment's engine options; `none` clears them. */
export function parseEngineOptions(value: string): Record<string, number | string> | typeof noneValue {
  if (value === 'none') return noneValue;
  const options: Record<string, number | string> = {};
  for (const item of parseList(value)) {
    const match = /^([A-Za-z]+)=(\w+)$/.exec(item);
    if (!match || !engineOptionKeys.has(match[1]!)) {
      throw new InvalidArgumentError(`"${item}" is not key=value with a key among ${[...engineOptionKeys].join(', ')}`);
    }
    options[match[1]!] = /^\d+$/.test(match[2]!) ? Number(match[2]) : match[2]!;
  }
  return options;
}
