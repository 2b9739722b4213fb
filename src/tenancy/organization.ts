import type { Selectable } from 'kysely';
import type { OrganizationsTable } from '../store/index.js';

export interface Organization {
  readonly object: 'organization';
  readonly id: string;
  readonly name: string;
  readonly homeJurisdiction: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return { object: 'organization', ...row };
}
