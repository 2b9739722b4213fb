import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useSession } from '../../session/session-context';
import { ErrorMessage } from '../../ui/query-state';
import { signInRoute } from './sign-in-route';

/**
 * Sign-in with the operator's admin token or an organization admin key. The token is sent
 * only in the Authorization header and kept in this tab's sessionStorage.
 */
export function SignInPage() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const { next } = signInRoute.useSearch();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token.trim());
      await navigate({ to: next ?? '/' });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>
        Use the admin token that the server printed at its first start, or an organization admin key. It stays in this
        browser tab and is never put in a URL.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="token">Admin token or organization admin key</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== undefined && <ErrorMessage error={error} />}
      <p>
        Anyone can check a receipt without signing in: <Link to="/transparency">verify a receipt</Link>.
      </p>
    </section>
  );
}
