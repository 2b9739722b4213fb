/** What rollups can be grouped and filtered by, and the column each is stored in. */
export const rollupDimensions = Object.freeze({
  organization: 'organization_id',
  project: 'project_id',
  key: 'api_key_id',
  model: 'model_id',
  site: 'site_id',
  jurisdiction: 'jurisdiction',
  status: 'status',
  outcome: 'outcome',
  errorCode: 'error_code',
} as const);

export type RollupDimension = keyof typeof rollupDimensions;
