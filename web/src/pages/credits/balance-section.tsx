import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { formatCredits, formatDate, parseCredits } from '../../ui/credits';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

export const balanceQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'balance'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/balance', { params: { path: { orgId } } })),
});

function AddCredits({ orgId }: { readonly orgId: string }) {
  const [amount, setAmount] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const add = useAction(
    (amountMicro: number) =>
      unwrap(api.POST('/admin/v1/orgs/{orgId}/credits', { params: { path: { orgId } }, body: { amountMicro } })),
    [balanceQuery(orgId).queryKey, ['orgs', orgId, 'statement']],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const amountMicro = parseCredits(amount);
    setInvalid(amountMicro === undefined || amountMicro === 0 ? 'give a positive number of credits' : undefined);
    if (amountMicro !== undefined && amountMicro > 0) add.mutate(amountMicro, { onSuccess: () => setAmount('') });
  };
  return (
    <form onSubmit={submit} aria-labelledby="add-credits-title" className="inline-form">
      <h3 id="add-credits-title">Add credits</h3>
      <label htmlFor="credits-amount">Credits to add</label>
      <input
        id="credits-amount"
        inputMode="decimal"
        required
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <button type="submit" disabled={add.isPending}>
        Add credits
      </button>
      {invalid !== undefined && <ErrorMessage error={invalid} />}
      {add.isError && <ErrorMessage error={add.error} />}
    </form>
  );
}

/** The organization's balance, its accounts (own and grants) and what requests in flight hold. */
export function BalanceSection({ orgId }: { readonly orgId: string }) {
  const { session } = useSession();
  const balance = useQuery(balanceQuery(orgId));
  return (
    <section className="panel" aria-labelledby="balance-title">
      <h2 id="balance-title">Balance</h2>
      <QueryState query={balance}>
        {(answer) => (
          <>
            <div className="grid">
              <div className="stat">
                <div>Balance (credits)</div>
                <div className="value" data-testid="balance">
                  {formatCredits(answer.balanceMicro)}
                </div>
              </div>
              <div className="stat">
                <div>Available to spend</div>
                <div className="value">{formatCredits(answer.availableMicro)}</div>
              </div>
            </div>
            <table>
              <caption>Accounts: the organization's own, and each grant of a fund program</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col" className="number">
                    Balance
                  </th>
                  <th scope="col" className="number">
                    Held by requests in flight
                  </th>
                  <th scope="col" className="number">
                    Available
                  </th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {answer.accounts.map((account) => (
                  <tr key={account.id}>
                    <td>{account.programId === null ? account.kind : `grant of ${account.programId}`}</td>
                    <td className="number">{formatCredits(account.balanceMicro)}</td>
                    <td className="number">{formatCredits(account.debitsPendingMicro)}</td>
                    <td className="number">{formatCredits(account.availableMicro)}</td>
                    <td>{formatDate(account.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
      {session?.principal.kind === 'operator' && <AddCredits orgId={orgId} />}
    </section>
  );
}
