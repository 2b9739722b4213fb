import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useSession } from '../session/session-context';

export const organizationsQuery = {
  queryKey: ['orgs'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs', { params: { query: { limit: 200 } } })),
};

/**
 * The organization a page shows: an organization admin's own, always; for the operator,
 * the one in the URL (so a view can be shared), else the first one.
 */
export function useChosenOrganization(fromUrl: string | undefined): string | undefined {
  const { session } = useSession();
  const organizations = useQuery({ ...organizationsQuery, enabled: session?.principal.kind === 'operator' });
  if (session?.principal.kind === 'org_admin') return session.principal.organizationId;
  return fromUrl ?? organizations.data?.data[0]?.id;
}

/** A labelled choice of organization for the operator; an organization admin sees its own name only. */
export function OrganizationPicker({
  value,
  onChange,
}: {
  readonly value: string | undefined;
  readonly onChange: (organizationId: string) => void;
}) {
  const { session } = useSession();
  const organizations = useQuery({ ...organizationsQuery, enabled: session?.principal.kind === 'operator' });
  if (session?.principal.kind !== 'operator') return <p>Organization: {value}</p>;
  return (
    <div className="picker">
      <label htmlFor="organization-picker">Organization</label>
      <select id="organization-picker" value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        {(organizations.data?.data ?? []).map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name} ({organization.id}, {organization.homeJurisdiction})
          </option>
        ))}
      </select>
    </div>
  );
}
