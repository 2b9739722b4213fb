import type { Selectable } from 'kysely';
import type { ProjectsTable } from '../store/index.js';

export interface Project {
  readonly object: 'project';
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toProject(row: Selectable<ProjectsTable>): Project {
  return { object: 'project', ...row };
}
