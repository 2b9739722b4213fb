/** Which tenant, if any, labels the request and credit counters. */
export type TenantLabelMode = 'none' | 'organization' | 'key';

/** The value counted for the tenants beyond the cap. */
export const otherTenant = 'other';

/**
 * The tenant label of the request and credit counters, opt-in and capped: each distinct
 * value is a series of every counter it labels, and Prometheus keeps each series in
 * memory, so the first `valuesMax` tenants seen get their own value and the rest share
 * `other`. A request refused before it was authenticated has the empty value.
 */
export class TenantLabels {
  readonly mode: TenantLabelMode;
  readonly #valuesMax: number;
  readonly #seen = new Set<string>();

  constructor(mode: TenantLabelMode, valuesMax: number) {
    this.mode = mode;
    this.#valuesMax = valuesMax;
  }

  /** The label's name, or none. */
  get names(): readonly string[] {
    return this.mode === 'none' ? [] : [this.mode];
  }

  valueOf(organizationId: string | null, keyId: string | null): string {
    const id = this.mode === 'organization' ? organizationId : keyId;
    if (id === null) return '';
    if (this.#seen.has(id)) return id;
    if (this.#seen.size >= this.#valuesMax) return otherTenant;
    this.#seen.add(id);
    return id;
  }
}
