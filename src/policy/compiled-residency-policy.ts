import type { Jurisdictions } from './jurisdictions.js';
import type { ModelFacts, SiteFacts } from './policy-facts.js';
import type { PolicyExclusion } from './policy-exclusion.js';
import {
  type AcceleratorMatcher,
  jurisdictionsNamedBy,
  type ResidencyPolicy,
  type ResidencyPolicyClause,
} from './residency-policy.js';

const none: readonly PolicyExclusion[] = Object.freeze([]);

interface Matcher {
  readonly vendor: string | undefined;
  readonly type: string | undefined;
}

type Accelerator = SiteFacts['accelerators'][number];

function lowerSet(values: readonly string[] | null): ReadonlySet<string> | null {
  return values === null ? null : new Set(values.map((v) => v.toLowerCase()));
}

function toMatcher(m: AcceleratorMatcher): Matcher {
  return { vendor: m.vendor, type: m.type?.toLowerCase() };
}

function matches(matcher: Matcher, accelerator: Accelerator): boolean {
  return (
    (matcher.vendor === undefined || matcher.vendor === accelerator.vendor) &&
    (matcher.type === undefined || matcher.type === accelerator.type.toLowerCase())
  );
}

function showMatcher(m: AcceleratorMatcher): string {
  return [m.vendor, m.type === undefined ? undefined : m.vendor === undefined ? `type ${m.type}` : m.type]
    .filter((v) => v !== undefined)
    .join(' ');
}

function showList(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

/**
 * A residency policy made ready for evaluation: jurisdictions expanded to countries,
 * names lower-cased, once per policy version rather than once per request. A policy
 * that names a jurisdiction that cannot be expanded excludes everything, saying why.
 */
export class CompiledResidencyPolicy {
  readonly policy: ResidencyPolicy;
  readonly #source: 'organization_policy' | 'project_policy';
  readonly #label: string;
  readonly #invalid: PolicyExclusion | undefined;
  readonly #allowed: ReadonlySet<string> | null = null;
  readonly #denied: ReadonlySet<string> = new Set();
  readonly #licenses: ReadonlySet<string> | null;
  readonly #origins: ReadonlySet<string> | null;
  readonly #require: readonly Matcher[];
  readonly #deny: readonly Matcher[];

  /** `label` names the policy in messages, e.g. `organization policy (server default)`. */
  constructor(
    policy: ResidencyPolicy,
    jurisdictions: Jurisdictions,
    source: 'organization_policy' | 'project_policy',
    label: string,
  ) {
    this.policy = policy;
    this.#source = source;
    this.#label = label;
    this.#licenses = lowerSet(policy.allowedModelLicenses);
    this.#origins = lowerSet(policy.allowedModelOrigins);
    this.#require = policy.requireAccelerators.map(toMatcher);
    this.#deny = policy.denyAccelerators.map(toMatcher);
    const unusable = jurisdictionsNamedBy(policy).find((code) => jurisdictions.problemOf(code) !== undefined);
    if (unusable !== undefined) {
      const message = `${label} is invalid and excludes everything until it is fixed: ${jurisdictions.problemOf(unusable)}`;
      this.#invalid = { source, clause: 'invalid_policy', message };
      return;
    }
    const allowed = policy.allowedJurisdictions === null ? null : jurisdictions.union(policy.allowedJurisdictions);
    const denied = jurisdictions.union(policy.deniedJurisdictions);
    if (allowed !== null && 'countries' in allowed) this.#allowed = allowed.countries;
    if ('countries' in denied) this.#denied = denied.countries;
  }

  /** The clauses that exclude the model wherever it runs. */
  modelExclusions(model: ModelFacts): readonly PolicyExclusion[] {
    if (this.#invalid !== undefined) return [this.#invalid];
    let found: PolicyExclusion[] | undefined;
    if (this.#licenses !== null && (model.license === null || !this.#licenses.has(model.license.toLowerCase()))) {
      const has = model.license === null ? 'the model declares no license' : `the model's license is ${model.license}`;
      (found ??= []).push(
        this.#exclusion(
          'allowedModelLicenses',
          `${showList(this.policy.allowedModelLicenses!)} does not include it: ${has}`,
        ),
      );
    }
    if (this.#origins !== null && (model.origin === null || !this.#origins.has(model.origin.toLowerCase()))) {
      const has = model.origin === null ? 'the model declares no origin' : `the model comes from ${model.origin}`;
      (found ??= []).push(
        this.#exclusion(
          'allowedModelOrigins',
          `${showList(this.policy.allowedModelOrigins!)} does not include it: ${has}`,
        ),
      );
    }
    return found ?? none;
  }

  /** The clauses that exclude a site, whatever the model. */
  siteExclusions(site: SiteFacts): readonly PolicyExclusion[] {
    if (this.#invalid !== undefined) return [this.#invalid];
    let found: PolicyExclusion[] | undefined;
    const where = site.jurisdiction;
    if (this.#allowed !== null && !this.#allowed.has(where)) {
      (found ??= []).push(
        this.#exclusion(
          'allowedJurisdictions',
          `${showList(this.policy.allowedJurisdictions!)} does not include the site's jurisdiction ${where}`,
        ),
      );
    }
    if (this.#denied.has(where)) {
      (found ??= []).push(
        this.#exclusion(
          'deniedJurisdictions',
          `${showList(this.policy.deniedJurisdictions)} includes the site's jurisdiction ${where}`,
        ),
      );
    }
    const unmet = this.#unmetRequirement(site);
    if (unmet !== undefined) (found ??= []).push(this.#exclusion('requireAccelerators', unmet));
    const denied = site.accelerators.find((a) => this.#deny.some((m) => matches(m, a)));
    if (denied !== undefined) {
      const list = showList(this.policy.denyAccelerators.map(showMatcher));
      (found ??= []).push(
        this.#exclusion('denyAccelerators', `${list} matches the site's ${denied.vendor} ${denied.type}`),
      );
    }
    return found ?? none;
  }

  #unmetRequirement(site: SiteFacts): string | undefined {
    if (this.#require.length === 0) return undefined;
    const list = showList(this.policy.requireAccelerators.map(showMatcher));
    // Hardware nobody declared cannot be shown to meet a requirement.
    if (site.accelerators.length === 0) return `${list} is not met: the site declares no accelerators`;
    const other = site.accelerators.find((a) => !this.#require.some((m) => matches(m, a)));
    return other === undefined ? undefined : `${list} is not met: the site also has ${other.vendor} ${other.type}`;
  }

  #exclusion(clause: ResidencyPolicyClause, detail: string): PolicyExclusion {
    return { source: this.#source, clause, message: `${this.#label}: ${clause} ${detail}` };
  }
}
