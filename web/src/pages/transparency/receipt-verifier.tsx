import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session-context';
import { ErrorMessage } from '../../ui/query-state';
import { fetchConsistencyProof, fetchLatestCheckpoint, fetchLogKey, fetchReceiptBundle } from './log-api';
import { VerificationSteps } from './verification-steps';
import { type VerificationStep, verifyReceiptBundle } from './verify-receipt-bundle';

const serverLog = {
  verifierKey: async () => (await fetchLogKey()).verifierKey,
  latestCheckpoint: fetchLatestCheckpoint,
  consistencyProof: fetchConsistencyProof,
};

/**
 * Verify a receipt in this browser: paste its bundle, or fetch it by id — with the signed-in
 * session through the management API, or with an API key of the receipt's organization,
 * used for that one request and kept nowhere.
 */
export function ReceiptVerifier({ initialReceiptId }: { readonly initialReceiptId: string | undefined }) {
  const { session } = useSession();
  const [bundle, setBundle] = useState('');
  const [receiptId, setReceiptId] = useState(initialReceiptId ?? '');
  const [apiKey, setApiKey] = useState('');
  const [pinnedKey, setPinnedKey] = useState('');
  const [steps, setSteps] = useState<VerificationStep[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function fetchBundle(id: string): Promise<string> {
    if (apiKey.trim() !== '') return fetchReceiptBundle(id, apiKey.trim());
    if (session === undefined) throw new Error('sign in, or give an API key of the receipt’s organization');
    const answer = await unwrap(api.GET('/admin/v1/receipts/{receiptId}', { params: { path: { receiptId: id } } }));
    return JSON.stringify(answer, null, 2);
  }

  async function run(text: string) {
    setSteps(await verifyReceiptBundle(text, pinnedKey.trim() === '' ? undefined : pinnedKey.trim(), serverLog));
  }

  async function act(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  // A link from a request's row (?receipt=…) opens here with the receipt fetched and checked.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the first id given by the link is fetched by itself.
  useEffect(() => {
    if (initialReceiptId === undefined || session === undefined) return;
    void act(async () => {
      const text = await fetchBundle(initialReceiptId);
      setBundle(text);
      await run(text);
    });
  }, [initialReceiptId]);

  const fetchAndVerify = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const text = await fetchBundle(receiptId.trim());
      setBundle(text);
      await run(text);
    });
  };
  const verifyPasted = (event: FormEvent) => {
    event.preventDefault();
    void act(() => run(bundle));
  };

  if (globalThis.crypto?.subtle === undefined) {
    return (
      <p role="alert" className="error">
        This browser gives no WebCrypto here: it does so only on HTTPS or on localhost. Open the console over HTTPS to
        verify receipts.
      </p>
    );
  }
  return (
    <div className="verifier">
      <form onSubmit={fetchAndVerify} aria-labelledby="by-id-title">
        <h3 id="by-id-title">Fetch a receipt by its id</h3>
        <label htmlFor="receipt-id">Receipt id (the x-commonweal-receipt header of an answer)</label>
        <input id="receipt-id" value={receiptId} onChange={(e) => setReceiptId(e.target.value)} required />
        <label htmlFor="receipt-api-key">
          API key of the receipt’s organization {session === undefined ? '' : '(optional when signed in)'}
        </label>
        <input
          id="receipt-api-key"
          type="password"
          autoComplete="off"
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
        />
        <button type="submit" disabled={busy || receiptId.trim() === ''}>
          Fetch and verify
        </button>
      </form>
      <form onSubmit={verifyPasted} aria-labelledby="paste-title">
        <h3 id="paste-title">Or paste a receipt bundle</h3>
        <label htmlFor="receipt-bundle">Receipt bundle (JSON, as GET /v1/receipts/&#123;id&#125; returns it)</label>
        <textarea
          id="receipt-bundle"
          rows={12}
          spellCheck={false}
          value={bundle}
          onChange={(e) => setBundle(e.target.value)}
        />
        <label htmlFor="pinned-key">Verifier key to trust (leave empty to use the one this server publishes)</label>
        <input id="pinned-key" value={pinnedKey} onChange={(e) => setPinnedKey(e.target.value)} />
        <button type="submit" disabled={busy || bundle.trim() === ''}>
          Verify
        </button>
      </form>
      {error !== undefined && <ErrorMessage error={error} />}
      {steps !== undefined && <VerificationSteps steps={steps} />}
    </div>
  );
}
