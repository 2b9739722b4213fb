/*
 * What policy reads about tenants and the catalog. These are structural: the catalog's
 * and tenancy's records satisfy them as they are, and policy depends on neither module.
 */

export interface OrganizationFacts {
  readonly id: string;
  readonly homeJurisdiction: string;
}

export interface ModelFacts {
  readonly id: string;
  readonly family: string | null;
  readonly origin: string | null;
  readonly license: string | null;
  readonly tags: readonly string[];
}

export interface SiteFacts {
  readonly id: string;
  readonly jurisdiction: string;
  readonly accelerators: readonly { readonly vendor: string; readonly type: string }[];
}

export interface DeploymentFacts {
  readonly id: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly enabled: boolean;
}
