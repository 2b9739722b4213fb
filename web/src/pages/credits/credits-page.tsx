import { useNavigate } from '@tanstack/react-router';
import { useSession } from '../../session/session-context';
import { OrganizationPicker, useChosenOrganization } from '../../ui/organization-picker';
import { ApplySection } from './apply-section';
import { ApprovalQueue } from './approval-queue';
import { BalanceSection } from './balance-section';
import { creditsRoute } from './credits-route';
import { ProgramsSection } from './programs-section';
import { StatementSection } from './statement-section';

/** Balances, statements and holds of an organization; the fund's programs, its queue and applications. */
export function CreditsPage() {
  const { session } = useSession();
  const operator = session?.principal.kind === 'operator';
  const search = creditsRoute.useSearch();
  const navigate = useNavigate({ from: creditsRoute.fullPath });
  const orgId = useChosenOrganization(search.org);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Credits and fund</h1>
      <OrganizationPicker value={orgId} onChange={(org) => void navigate({ search: { org } })} />
      {orgId !== undefined && <BalanceSection orgId={orgId} />}
      <ProgramsSection operator={operator} />
      {operator && <ApprovalQueue />}
      {orgId !== undefined && <ApplySection orgId={orgId} />}
      {orgId !== undefined && <StatementSection orgId={orgId} />}
    </section>
  );
}
