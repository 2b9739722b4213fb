import { useNavigate } from '@tanstack/react-router';
import { useSession } from '../../session/session-context';
import { OrganizationPicker, useChosenOrganization } from '../../ui/organization-picker';
import { BudgetsSection } from './budgets-section';
import { KeysSection } from './keys-section';
import { OrganizationsSection } from './organizations-section';
import { ProjectsSection } from './projects-section';
import { RateLimitsSection } from './rate-limits-section';
import { tenantsRoute } from './tenants-route';

/** Organizations (the operator's), and one organization's projects, keys, budgets and rate limits. */
export function TenantsPage() {
  const { session } = useSession();
  const search = tenantsRoute.useSearch();
  const navigate = useNavigate({ from: tenantsRoute.fullPath });
  const orgId = useChosenOrganization(search.org);
  const choose = (org: string) => void navigate({ search: { org } });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Tenants</h1>
      {session?.principal.kind === 'operator' && <OrganizationsSection onCreated={choose} />}
      <OrganizationPicker value={orgId} onChange={choose} />
      {orgId !== undefined && (
        <>
          <ProjectsSection orgId={orgId} />
          <KeysSection orgId={orgId} />
          <BudgetsSection orgId={orgId} />
          <RateLimitsSection orgId={orgId} />
        </>
      )}
    </section>
  );
}
