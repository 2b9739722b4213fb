import { useNavigate } from '@tanstack/react-router';
import { useSession } from '../../session/session-context';
import { OrganizationPicker, useChosenOrganization } from '../../ui/organization-picker';
import { ExplainSection } from './explain-section';
import { policiesRoute } from './policies-route';
import { PolicyEditor } from './policy-editor';
import { RulesSection } from './rules-section';

/** Residency policies, the operator's rules, simulation before saving, and the explanation of one decision. */
export function PoliciesPage() {
  const { session } = useSession();
  const search = policiesRoute.useSearch();
  const navigate = useNavigate({ from: policiesRoute.fullPath });
  const orgId = useChosenOrganization(search.org);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Policies</h1>
      <OrganizationPicker value={orgId} onChange={(org) => void navigate({ search: { org } })} />
      {orgId !== undefined && <PolicyEditor key={orgId} orgId={orgId} />}
      {session?.principal.kind === 'operator' && <RulesSection />}
      {orgId !== undefined && <ExplainSection key={`explain-${orgId}`} orgId={orgId} />}
    </section>
  );
}
