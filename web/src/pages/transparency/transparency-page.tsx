import { useQuery } from '@tanstack/react-query';
import { QueryState } from '../../ui/query-state';
import { CheckpointHistory } from './checkpoint-history';
import { fetchLogKey } from './log-api';
import { ReceiptVerifier } from './receipt-verifier';
import { transparencyRoute } from './transparency-route';

function LogKeyPanel() {
  const query = useQuery({ queryKey: ['log', 'key'], queryFn: fetchLogKey });
  return (
    <section className="panel" aria-labelledby="key-title">
      <h2 id="key-title">The log and its key</h2>
      <p>
        Every request served and every change made by the operator is a leaf of this append-only log (RFC 9162). Its
        checkpoints are signed with the key below: compare it with the one the operator publishes, then check any
        receipt against it, here or with any tool that follows docs/transparency-log.md.
      </p>
      <QueryState query={query}>
        {(key) => (
          <dl>
            <dt>Origin</dt>
            <dd>
              <code>{key.origin}</code>
            </dd>
            <dt>Verifier key (Ed25519)</dt>
            <dd>
              <code>{key.verifierKey}</code>
            </dd>
          </dl>
        )}
      </QueryState>
    </section>
  );
}

/** Public: anyone may see how the log grew and verify a receipt, with code that runs in their own browser. */
export function TransparencyPage() {
  const { receipt } = transparencyRoute.useSearch();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Transparency</h1>
      <LogKeyPanel />
      <section className="panel" aria-labelledby="verify-title">
        <h2 id="verify-title">Verify a receipt in this browser</h2>
        <ReceiptVerifier initialReceiptId={receipt} />
      </section>
      <CheckpointHistory />
    </section>
  );
}
