import { Link, Navigate, Outlet, useRouterState } from '@tanstack/react-router';
import { useSession } from '../session/session-context';

/** Pages anyone may open; every other page asks for a token first. */
const publicPaths = new Set(['/sign-in', '/transparency']);

const pages = [
  { to: '/', label: 'Overview' },
  { to: '/map', label: 'Sovereignty map' },
  { to: '/sites', label: 'Sites and deployments' },
  { to: '/policies', label: 'Policies' },
  { to: '/tenants', label: 'Tenants' },
  { to: '/usage', label: 'Usage and requests' },
  { to: '/credits', label: 'Credits and fund' },
  { to: '/transparency', label: 'Transparency' },
] as const;

function Navigation() {
  const { session, signOut } = useSession();
  if (session === undefined) {
    return (
      <nav aria-label="Console">
        <ul>
          <li>
            <Link to="/sign-in" activeProps={{ 'aria-current': 'page' }}>
              Sign in
            </Link>
          </li>
          <li>
            <Link to="/transparency" activeProps={{ 'aria-current': 'page' }}>
              Transparency
            </Link>
          </li>
        </ul>
      </nav>
    );
  }
  const who =
    session.principal.kind === 'operator' ? 'operator' : `organization admin of ${session.principal.organizationId}`;
  return (
    <nav aria-label="Console">
      <ul>
        {pages.map((page) => (
          <li key={page.to}>
            <Link to={page.to} activeOptions={{ exact: page.to === '/' }} activeProps={{ 'aria-current': 'page' }}>
              {page.label}
            </Link>
          </li>
        ))}
      </ul>
      <p className="who">
        Signed in as {who}.{' '}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </p>
    </nav>
  );
}

/** The frame of every page: navigation, and the sign-in gate for pages that are not public. */
export function Shell() {
  const { session } = useSession();
  const path = useRouterState({ select: (state) => state.location.pathname.replace(/^\/console/, '') || '/' });
  const gated = session === undefined && !publicPaths.has(path);
  return (
    <div className="shell">
      <header>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <Link to="/" className="brand">
          Commonweal
        </Link>
        <Navigation />
      </header>
      <main id="main" tabIndex={-1}>
        {gated ? <Navigate to="/sign-in" search={{ next: path }} replace /> : <Outlet />}
      </main>
    </div>
  );
}
