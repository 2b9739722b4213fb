import type { Selectable } from 'kysely';
import type { SitesTable } from '../store/index.js';

export const acceleratorVendors = ['nvidia', 'amd', 'huawei', 'intel', 'cpu', 'other'] as const;
export type AcceleratorVendor = (typeof acceleratorVendors)[number];

export interface Accelerator {
  readonly vendor: AcceleratorVendor;
  /** The product, as the vendor names it: `H200`, `MI300X`, `Ascend 910B`. */
  readonly type: string;
  readonly count: number;
}

/** A data center where deployments run; its jurisdiction decides residency. */
export interface Site {
  readonly object: 'site';
  readonly id: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly region: string | null;
  readonly city: string | null;
  readonly accelerators: readonly Accelerator[];
  readonly powerKw: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toSite(row: Selectable<SitesTable>): Site {
  return { object: 'site', ...row, accelerators: JSON.parse(row.accelerators) as Accelerator[] };
}
