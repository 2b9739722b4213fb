import { CommonwealError } from '../errors/index.js';
import { iso3166Alpha2 } from './iso-3166-countries.js';
import { builtInJurisdictionGroups, type JurisdictionGroupDefinition } from './jurisdiction-group-data.js';
import { jurisdictionGroupDepthMax, jurisdictionGroupMembersMax } from './jurisdiction-group.js';

interface Expansion {
  readonly countries: ReadonlySet<string>;
  readonly depth: number;
}

/** Why a group cannot be expanded: it names something unknown, contains itself, or nests too deep. */
type Broken = { readonly problem: string };

/**
 * Every jurisdiction code the platform understands, with each group expanded to the
 * countries it covers. Built whole from the built-in groups and the operator's; a
 * group that cannot be expanded is kept as broken with the reason, so that a policy or
 * rule naming it fails closed instead of silently matching nothing.
 */
export class Jurisdictions {
  readonly #definitions = new Map<string, JurisdictionGroupDefinition>();
  readonly #expanded = new Map<string, Expansion | Broken>();
  readonly #builtIn: ReadonlySet<string>;

  constructor(custom: readonly JurisdictionGroupDefinition[] = []) {
    for (const definition of builtInJurisdictionGroups) this.#definitions.set(definition.id, definition);
    this.#builtIn = new Set(this.#definitions.keys());
    for (const definition of custom) {
      // A custom group can never replace a built-in one: the reviewed data wins.
      if (!this.#builtIn.has(definition.id)) this.#definitions.set(definition.id, definition);
    }
    for (const id of this.#definitions.keys()) this.#expand(id, []);
  }

  isBuiltIn(id: string): boolean {
    return this.#builtIn.has(id);
  }

  isGroup(id: string): boolean {
    return this.#definitions.has(id);
  }

  definition(id: string): JurisdictionGroupDefinition | undefined {
    return this.#definitions.get(id);
  }

  definitions(): readonly JurisdictionGroupDefinition[] {
    return Array.from(this.#definitions.values());
  }

  /** The countries a code covers: itself for a country, the expansion for a group, undefined when unknown or broken. */
  countriesOf(code: string): ReadonlySet<string> | undefined {
    if (iso3166Alpha2.has(code)) return new Set([code]);
    const expanded = this.#expanded.get(code);
    return expanded !== undefined && 'countries' in expanded ? expanded.countries : undefined;
  }

  /** Why a code cannot be used, or undefined when it can. */
  problemOf(code: string): string | undefined {
    if (iso3166Alpha2.has(code)) return undefined;
    const expanded = this.#expanded.get(code);
    if (expanded === undefined)
      return `"${code}" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group`;
    return 'problem' in expanded ? expanded.problem : undefined;
  }

  /** Throws `invalid_request` naming the first code that cannot be used, with `param` pointing at it. */
  assertUsable(codes: readonly string[], param: string): void {
    for (const [index, code] of codes.entries()) {
      const problem = this.problemOf(code);
      if (problem !== undefined)
        throw new CommonwealError('invalid_request', `${param}[${index}]: ${problem}`, { param });
    }
  }

  /** The union of the countries of `codes`, or the first code that cannot be used. */
  union(codes: readonly string[]): { readonly countries: ReadonlySet<string> } | { readonly unusable: string } {
    const countries = new Set<string>();
    for (const code of codes) {
      const covered = this.countriesOf(code);
      if (covered === undefined) return { unusable: code };
      for (const country of covered) countries.add(country);
    }
    return { countries };
  }

  /** The groups that list `id` directly as a member. */
  groupsContaining(id: string): readonly string[] {
    return Array.from(this.#definitions.values())
      .filter((definition) => definition.members.includes(id))
      .map((definition) => definition.id);
  }

  // Recursion is bounded by the number of groups: a path that comes back to a group on
  // it stops there and marks the groups of the cycle broken.
  #expand(id: string, path: readonly string[]): Expansion | Broken {
    const done = this.#expanded.get(id);
    if (done !== undefined) return done;
    if (path.includes(id)) return { problem: `group ${id} contains itself (${[...path, id].join(' → ')})` };
    let result = this.#expandMembers(this.#definitions.get(id)!, [...path, id]);
    if ('depth' in result && result.depth > jurisdictionGroupDepthMax) {
      result = {
        problem: `group ${id} nests groups ${result.depth} levels deep; at most ${jurisdictionGroupDepthMax} are allowed`,
      };
    }
    this.#expanded.set(id, result);
    return result;
  }

  #expandMembers(definition: JurisdictionGroupDefinition, path: readonly string[]): Expansion | Broken {
    if (definition.members.length > jurisdictionGroupMembersMax) {
      return { problem: `group ${definition.id} lists more than ${jurisdictionGroupMembersMax} members` };
    }
    const countries = new Set<string>();
    let depth = 1;
    for (const member of definition.members) {
      if (iso3166Alpha2.has(member)) {
        countries.add(member);
        continue;
      }
      if (!this.#definitions.has(member)) {
        return {
          problem: `group ${definition.id}: member "${member}" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group`,
        };
      }
      const inner = this.#expand(member, path);
      if ('problem' in inner) return { problem: inner.problem };
      for (const country of inner.countries) countries.add(country);
      depth = Math.max(depth, inner.depth + 1);
    }
    return { countries, depth };
  }
}
