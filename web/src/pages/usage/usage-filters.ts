import { isTimeRange, type TimeRange } from '../../ui/time-range';

export const groupDimensions = [
  'model',
  'organization',
  'project',
  'key',
  'site',
  'jurisdiction',
  'status',
  'outcome',
  'errorCode',
] as const;
export type GroupBy = (typeof groupDimensions)[number];

export const outcomes = ['success', 'client_aborted', 'upstream_error', 'rejected'] as const;
export type Outcome = (typeof outcomes)[number];

/** The usage page's view, all of it in the URL so that a view can be shared. */
export interface UsageFilters {
  readonly range?: TimeRange | undefined;
  readonly groupBy?: GroupBy | undefined;
  readonly organizationId?: string | undefined;
  readonly projectId?: string | undefined;
  readonly apiKeyId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly siteId?: string | undefined;
  readonly status?: number | undefined;
  readonly outcome?: Outcome | undefined;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return values.find((candidate) => candidate === value);
}

export function readUsageFilters(search: Record<string, unknown>): UsageFilters {
  const status = Number(search.status);
  return {
    range: isTimeRange(search.range) ? search.range : undefined,
    groupBy: oneOf(groupDimensions, search.groupBy),
    organizationId: text(search.organizationId),
    projectId: text(search.projectId),
    apiKeyId: text(search.apiKeyId),
    modelId: text(search.modelId),
    siteId: text(search.siteId),
    status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined,
    outcome: oneOf(outcomes, search.outcome),
  };
}

/** The filters both the series and the request list take, without undefined values. */
export function recordFilters(filters: UsageFilters, organizationId: string | undefined) {
  const { projectId, apiKeyId, modelId, siteId, status, outcome } = filters;
  return Object.fromEntries(
    Object.entries({ organizationId, projectId, apiKeyId, modelId, siteId, status, outcome }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as {
    organizationId?: string;
    projectId?: string;
    apiKeyId?: string;
    modelId?: string;
    siteId?: string;
    status?: number;
    outcome?: Outcome;
  };
}
