import pg from 'pg';

/** How a replica opens the PostgreSQL sessions it keeps for itself, outside the store's pool. */
export interface SessionOptions {
  readonly connectionString: string;
  readonly connectTimeoutMs: number;
  /** What `pg_stat_activity` shows for the session, so that an operator can tell which process holds what. */
  readonly applicationName: string;
}

/**
 * Opens a session of its own (LISTEN and session advisory locks belong to one connection,
 * so they cannot go through a pool). Once connected, `onLost` is called once when the
 * session ends or fails, after which the client is closed; without an error listener pg
 * would raise a dropped connection as an uncaught exception. A failure to connect rejects.
 */
export async function openSessionClient(
  options: SessionOptions,
  onLost: (error: Error, client: pg.Client) => void,
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // A peer that vanished without closing the connection is found by TCP, not by waiting for a reply.
    keepAlive: true,
    application_name: options.applicationName,
  });
  let connected = false;
  let lost = false;
  const lose = (error: Error) => {
    if (!connected || lost) return;
    lost = true;
    client.end().catch(() => undefined);
    onLost(error, client);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the PostgreSQL session ended')));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  connected = true;
  return client;
}
