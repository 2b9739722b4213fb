import { InvalidArgumentError } from 'commander';
import { parseList } from './option-parsers.js';

/** Jurisdiction codes, upper-cased: `eu,ch` is `["EU", "CH"]`. */
export function parseJurisdictions(value: string): string[] {
  return parseList(value).map((code) => code.toUpperCase());
}

/**
 * Accelerator matchers separated by commas: `vendor`, `vendor:type` or `:type`, e.g.
 * `huawei` or `nvidia:H20,:Ascend 910B`.
 */
export function parseAcceleratorMatchers(value: string): { vendor?: string; type?: string }[] {
  return parseList(value).map((item) => {
    const [vendor = '', type = ''] = item.split(/:(.*)/s, 2).map((part) => part.trim());
    if (vendor === '' && type === '') throw new InvalidArgumentError(`"${item}" is not vendor, vendor:type or :type`);
    return { ...(vendor === '' ? {} : { vendor }), ...(type === '' ? {} : { type }) };
  });
}

const criterion = /^\s*([A-Za-z]+)\s*(!?=)\s*(.+?)\s*$/;

/**
 * A rule's match, as JSON (`{"modelTags":{"in":["frontier"]}}`) or as criteria separated
 * by semicolons, `=` for in and `!=` for notIn: `modelTags=frontier;organizationJurisdictions!=G7`.
 * An empty string matches everything.
 */
export function parseRuleMatch(value: string): Record<string, { in?: string[]; notIn?: string[] }> {
  if (value.trim().startsWith('{')) {
    try {
      return JSON.parse(value) as Record<string, { in?: string[]; notIn?: string[] }>;
    } catch (error) {
      throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
    }
  }
  const match: Record<string, { in?: string[]; notIn?: string[] }> = {};
  for (const part of value.split(';').filter((p) => p.trim() !== '')) {
    const parsed = criterion.exec(part);
    if (parsed === null)
      throw new InvalidArgumentError(`"${part}" is not name=values or name!=values (e.g. modelTags=frontier)`);
    const [, name, operator, values] = parsed;
    match[name!] = operator === '=' ? { in: parseList(values!) } : { notIn: parseList(values!) };
  }
  return match;
}
