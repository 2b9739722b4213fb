import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** What a query shows before it has data: a status line while loading, the server's message on failure. */
export function QueryState<T>({
  query,
  children,
}: {
  readonly query: UseQueryResult<T>;
  readonly children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <p role="status">Loading…</p>;
  if (query.isError) return <ErrorMessage error={query.error} />;
  return <>{children(query.data)}</>;
}

/** An error as text: never rendered as HTML, whatever it contains. */
export function ErrorMessage({ error }: { readonly error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}
