import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { api, apiError, setApiToken } from '../api/client';
import { clearSession, loadSession, type Session, saveSession } from './session';

interface SessionState {
  readonly session: Session | undefined;
  signIn(token: string): Promise<Session>;
  signOut(): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/** The signed-in caller for every page; the API stays the only authority on what it may see. */
export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | undefined>(() => {
    const stored = loadSession();
    setApiToken(stored?.token);
    return stored;
  });

  const signIn = useCallback(async (token: string) => {
    const { data, error, response } = await api.GET('/admin/v1/session', {
      headers: { authorization: `Bearer ${token}` },
    });
    if (data === undefined) throw apiError(response.status, error);
    const next = { token, principal: data };
    saveSession(next);
    setApiToken(token);
    setSession(next);
    return next;
  }, []);

  const signOut = useCallback(() => {
    clearSession();
    setApiToken(undefined);
    queryClient.clear();
    setSession(undefined);
  }, [queryClient]);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error('useSession outside SessionProvider');
  return state;
}
