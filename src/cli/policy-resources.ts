import { parseInteger, parseNullableText } from './option-parsers.js';
import { parseJurisdictions, parseRuleMatch } from './policy-option-parsers.js';
import type { ResourceSpec } from './resource-command.js';

type Condition = { readonly in?: readonly string[]; readonly notIn?: readonly string[] };

/** A rule's match in the same compact form `--match` takes. */
function showMatch(match: unknown): string {
  const parts = Object.entries(match as Record<string, Condition>).map(([name, c]) =>
    c.in === undefined ? `${name}!=${c.notIn?.join(',')}` : `${name}=${c.in.join(',')}`,
  );
  return parts.length === 0 ? '(everything)' : parts.join('; ');
}

export const rulesSpec: ResourceSpec = {
  name: 'rules',
  singular: 'rule',
  summary: 'platform rules (export controls and the like): ordered, first match wins, no tenant can override them',
  inOrganization: false,
  collection: 'policy/rules',
  supportsUpdate: true,
  columns: [
    { header: 'pos', value: (r) => r.position },
    { header: 'id', value: (r) => r.id },
    { header: 'effect', value: (r) => r.effect },
    { header: 'match', value: (r) => showMatch(r.match) },
    { header: 'reason', value: (r) => r.reason },
    { header: 'reference', value: (r) => r.reference },
  ],
  fields: [
    {
      flags: '--id <id>',
      description: 'rule id, e.g. frontier-g7-only',
      field: 'id',
      requiredOnCreate: true,
      createOnly: true,
    },
    { flags: '--effect <effect>', description: 'deny or allow', field: 'effect', requiredOnCreate: true },
    {
      flags: '--match <criteria>',
      description:
        'name=values or name!=values joined by ";" (e.g. "modelTags=frontier;organizationJurisdictions!=G7"), or JSON; "" matches everything',
      field: 'match',
      parse: parseRuleMatch,
      requiredOnCreate: true,
    },
    {
      flags: '--reason <text>',
      description: 'why, shown to whoever the rule excludes',
      field: 'reason',
      requiredOnCreate: true,
    },
    {
      flags: '--reference <text>',
      description: 'the regulation or decision it implements ("none" clears it)',
      field: 'reference',
      parse: parseNullableText,
    },
    {
      flags: '--position <n>',
      description: 'place in the order, from 0 (default: last)',
      field: 'position',
      parse: parseInteger,
    },
  ],
};

export const groupsSpec: ResourceSpec = {
  name: 'groups',
  singular: 'jurisdiction group',
  summary: 'jurisdiction groups: the built-in EU, EEA, EFTA, FIVE_EYES, G7, ASEAN, AFRICAN_UNION, GCC and your own',
  inOrganization: false,
  collection: 'jurisdiction-groups',
  supportsUpdate: true,
  columns: [
    { header: 'id', value: (r) => r.id },
    { header: 'name', value: (r) => r.name },
    { header: 'built-in', value: (r) => r.builtIn },
    { header: 'members', value: (r) => r.members },
    { header: 'countries', value: (r) => (r.countries as unknown[]).length },
  ],
  fields: [
    {
      flags: '--id <id>',
      description: 'group id: A-Z 0-9 _, never two letters alone, e.g. NORDICS',
      field: 'id',
      requiredOnCreate: true,
      createOnly: true,
    },
    { flags: '--name <name>', description: 'display name', field: 'name', requiredOnCreate: true },
    {
      flags: '--members <codes>',
      description: 'countries and groups, e.g. DK,FI,IS,NO,SE or NORDICS,EEA',
      field: 'members',
      parse: parseJurisdictions,
      requiredOnCreate: true,
    },
  ],
};
