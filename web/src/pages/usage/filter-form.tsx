import { type FormEvent, useState } from 'react';
import { useSession } from '../../session/session-context';
import { groupDimensions, outcomes, readUsageFilters, type UsageFilters } from './usage-filters';

const fields = [
  ['organizationId', 'Organization id'],
  ['projectId', 'Project id'],
  ['apiKeyId', 'API key id'],
  ['modelId', 'Model'],
  ['siteId', 'Site'],
  ['status', 'HTTP status'],
] as const;

/** The filters as a form; applying it puts them in the URL, which is what the charts and the list read. */
export function FilterForm({
  filters,
  onApply,
}: {
  readonly filters: UsageFilters;
  readonly onApply: (filters: UsageFilters) => void;
}) {
  const { session } = useSession();
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(filters).map(([key, value]) => [key, String(value ?? '')])),
  );
  const set = (key: string) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [key]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(readUsageFilters({ ...draft, range: filters.range }));
  };
  return (
    <form onSubmit={submit} className="filters" aria-label="Filters">
      {fields
        .filter(([key]) => key !== 'organizationId' || session?.principal.kind === 'operator')
        .map(([key, label]) => (
          <div key={key}>
            <label htmlFor={`filter-${key}`}>{label}</label>
            <input id={`filter-${key}`} value={draft[key] ?? ''} onChange={set(key)} />
          </div>
        ))}
      <div>
        <label htmlFor="filter-outcome">Outcome</label>
        <select id="filter-outcome" value={draft.outcome ?? ''} onChange={set('outcome')}>
          <option value="">any</option>
          {outcomes.map((outcome) => (
            <option key={outcome}>{outcome}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-group">Group by</label>
        <select id="filter-group" value={draft.groupBy ?? ''} onChange={set('groupBy')}>
          <option value="">nothing (totals)</option>
          {groupDimensions.map((dimension) => (
            <option key={dimension}>{dimension}</option>
          ))}
        </select>
      </div>
      <div>
        <button type="submit">Apply filters</button>
      </div>
    </form>
  );
}
