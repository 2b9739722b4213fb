import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ServiceCheck } from './require-service.js';

/** The machine's PostgreSQL: trust authentication for `postgres` on the loopback address. */
const server = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
const maintenanceDatabase = 'postgres';

export const postgresService: ServiceCheck = {
  name: 'PostgreSQL',
  address: `${server.host}:${server.port}`,
  async probe() {
    await withMaintenanceClient(async (client) => {
      await client.query('select 1');
    });
  },
};

export interface TempPostgresDatabase {
  readonly name: string;
  readonly url: string;
  /** True when the database sorts text by a linguistic (ICU) collation, as many real ones do. */
  readonly linguisticCollation: boolean;
  /** Drops the database, ending any connection a failed test left open. */
  drop(): Promise<void>;
}

/**
 * A new, empty database for one test run, named `cw_test_<random>` so that runs never
 * share state. It is made with a linguistic collation where the server has ICU, so
 * that code relying on the default collation sorting like SQLite fails here and not
 * first in production.
 */
export async function createTempPostgresDatabase(): Promise<TempPostgresDatabase> {
  const name = `cw_test_${randomBytes(6).toString('hex')}`;
  const linguisticCollation = await withMaintenanceClient(async (client) => {
    try {
      await client.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
      return true;
    } catch {
      // Before PostgreSQL 15, or built without ICU: the server's default collation it is.
      await client.query(`create database ${name}`);
      return false;
    }
  });
  return {
    name,
    url: `postgres://${server.user}@${server.host}:${server.port}/${name}`,
    linguisticCollation,
    async drop() {
      await withMaintenanceClient(async (client) => {
        await client.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

async function withMaintenanceClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...server, database: maintenanceDatabase, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
