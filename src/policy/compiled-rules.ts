import type { Jurisdictions } from './jurisdictions.js';
import type { ModelFacts, SiteFacts } from './policy-facts.js';
import type { PolicyExclusion } from './policy-exclusion.js';
import type { PolicyRule, RuleCondition, RuleCriterion } from './policy-rule.js';

interface Criterion {
  readonly criterion: RuleCriterion;
  readonly negated: boolean;
  readonly values: ReadonlySet<string>;
}

/** A rule ready to evaluate: criteria split into those decided by the request and those decided by the site. */
interface CompiledRule {
  readonly rule: PolicyRule;
  readonly requestCriteria: readonly Criterion[];
  readonly siteCriteria: readonly Criterion[];
  /** Set when the rule names a jurisdiction that cannot be expanded: it then denies everything. */
  readonly invalid: string | undefined;
}

/** The outcome of the rules for one deployment: the first rule that matched, if any. */
export interface RuleVerdict {
  readonly ruleId: string;
  readonly effect: 'allow' | 'deny';
  /** Set when the effect is deny. */
  readonly exclusion: PolicyExclusion | undefined;
}

const siteCriteria: ReadonlySet<RuleCriterion> = new Set([
  'siteJurisdictions',
  'acceleratorVendors',
  'acceleratorTypes',
]);
const caseInsensitive: ReadonlySet<RuleCriterion> = new Set(['acceleratorTypes', 'modelOrigins']);

type Values = Readonly<Partial<Record<RuleCriterion, readonly (string | null)[]>>>;

/** The request's side of every criterion, computed once per decision rather than once per rule. */
function requestValues(organizationJurisdiction: string, model: ModelFacts): Values {
  return {
    organizationJurisdictions: [organizationJurisdiction],
    modelIds: [model.id],
    modelFamilies: [model.family],
    modelOrigins: [model.origin?.toLowerCase() ?? null],
    modelTags: model.tags,
  };
}

/** The site's side of every criterion, computed once per site. */
function siteValues(site: SiteFacts): Values {
  return {
    siteJurisdictions: [site.jurisdiction],
    acceleratorVendors: site.accelerators.map((a) => a.vendor),
    acceleratorTypes: site.accelerators.map((a) => a.type.toLowerCase()),
  };
}

function holds(criterion: Criterion, values: Values): boolean {
  let listed = false;
  for (const value of values[criterion.criterion] ?? []) {
    if (value !== null && criterion.values.has(value)) {
      listed = true;
      break;
    }
  }
  return listed !== criterion.negated;
}

function allHold(criteria: readonly Criterion[], values: Values): boolean {
  for (const criterion of criteria) if (!holds(criterion, values)) return false;
  return true;
}

function compileCriterion(
  criterion: RuleCriterion,
  condition: RuleCondition,
  jurisdictions: Jurisdictions,
): Criterion | string {
  const negated = condition.in === undefined;
  const listed = condition.in ?? condition.notIn ?? [];
  if (criterion !== 'organizationJurisdictions' && criterion !== 'siteJurisdictions') {
    return {
      criterion,
      negated,
      values: new Set(caseInsensitive.has(criterion) ? listed.map((v) => v.toLowerCase()) : listed),
    };
  }
  const union = jurisdictions.union(listed);
  if ('unusable' in union) return jurisdictions.problemOf(union.unusable)!;
  return { criterion, negated, values: union.countries };
}

function compileRule(rule: PolicyRule, jurisdictions: Jurisdictions): CompiledRule {
  const request: Criterion[] = [];
  const site: Criterion[] = [];
  for (const [name, condition] of Object.entries(rule.match) as [RuleCriterion, RuleCondition | undefined][]) {
    if (condition === undefined) continue;
    const compiled = compileCriterion(name, condition, jurisdictions);
    if (typeof compiled === 'string') return { rule, requestCriteria: [], siteCriteria: [], invalid: compiled };
    (siteCriteria.has(name) ? site : request).push(compiled);
  }
  return { rule, requestCriteria: request, siteCriteria: site, invalid: undefined };
}

function verdictOf(compiled: CompiledRule): RuleVerdict {
  const { rule } = compiled;
  if (compiled.invalid === undefined && rule.effect === 'allow') {
    return { ruleId: rule.id, effect: 'allow', exclusion: undefined };
  }
  const reference = rule.reference === null ? '' : ` (${rule.reference})`;
  const message =
    compiled.invalid === undefined
      ? `rule "${rule.id}" denies: ${rule.reason}${reference}`
      : `rule "${rule.id}" is invalid and denies everything until it is fixed: ${compiled.invalid}`;
  const exclusion = {
    source: 'rule',
    clause: 'rule',
    ruleId: rule.id,
    reason: rule.reason,
    reference: rule.reference,
  } as const;
  return { ruleId: rule.id, effect: 'deny', exclusion: { ...exclusion, message } };
}

/** The rules that can still match one request, in order; only their site criteria remain to check. */
export class RequestRules {
  readonly #candidates: readonly { readonly compiled: CompiledRule; readonly verdict: RuleVerdict }[];

  constructor(candidates: readonly { readonly compiled: CompiledRule; readonly verdict: RuleVerdict }[]) {
    this.#candidates = candidates;
  }

  /** The first rule that matches at this site; undefined when none does, which allows. */
  firstMatch(site: SiteFacts): RuleVerdict | undefined {
    if (this.#candidates.length === 0) return undefined;
    const values = siteValues(site);
    for (const { compiled, verdict } of this.#candidates) if (allHold(compiled.siteCriteria, values)) return verdict;
    return undefined;
  }
}

/** The operator's ordered rule list, compiled once per policy version. First match wins. */
export class CompiledRules {
  readonly #rules: readonly { readonly compiled: CompiledRule; readonly verdict: RuleVerdict }[];
  /**
   * The narrowing depends only on the model and the organization's jurisdiction, of which
   * there are far fewer pairs than organizations × models. Keyed by the model's object, so
   * a catalog reload (new objects) can never be answered from a stale entry; at most one
   * entry per jurisdiction (249) per model.
   */
  readonly #narrowed = new WeakMap<ModelFacts, Map<string, RequestRules>>();

  constructor(rules: readonly PolicyRule[], jurisdictions: Jurisdictions) {
    this.#rules = rules.map((rule) => {
      const compiled = compileRule(rule, jurisdictions);
      return { compiled, verdict: verdictOf(compiled) };
    });
  }

  /** Narrows the rules to those whose organization and model criteria hold for this request. */
  forRequest(organizationJurisdiction: string, model: ModelFacts): RequestRules {
    let ofModel = this.#narrowed.get(model);
    if (ofModel === undefined) {
      ofModel = new Map();
      this.#narrowed.set(model, ofModel);
    }
    const known = ofModel.get(organizationJurisdiction);
    if (known !== undefined) return known;
    const values = requestValues(organizationJurisdiction, model);
    const narrowed = new RequestRules(this.#rules.filter(({ compiled }) => allHold(compiled.requestCriteria, values)));
    ofModel.set(organizationJurisdiction, narrowed);
    return narrowed;
  }
}
