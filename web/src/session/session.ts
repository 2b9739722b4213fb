import type { paths } from '../api/generated/admin-api';

export type Principal = paths['/admin/v1/session']['get']['responses'][200]['content']['application/json'];

/** Who is signed in, as `GET /admin/v1/session` answered, and the token that proved it. */
export interface Session {
  readonly token: string;
  readonly principal: Principal;
}

// sessionStorage, not localStorage: the token dies with the tab, and it never goes in a URL or a log.
const storageKey = 'commonweal.session';

export function loadSession(): Session | undefined {
  const text = sessionStorage.getItem(storageKey);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Session;
  } catch {
    sessionStorage.removeItem(storageKey);
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(storageKey, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(storageKey);
}
