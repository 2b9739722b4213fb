import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DeploymentRepository, ModelRepository, SiteRepository } from './catalog/index.js';
import type { ServerConfig } from './config/index.js';
import { type DataDirSecrets, loadDataDirSecrets } from './secrets/index.js';
import { createAppServer } from './server/index.js';
import { openSqliteStore, type Store } from './store/index.js';
import { ApiKeyRepository, OrganizationRepository, ProjectRepository } from './tenancy/index.js';
import { version } from './version.js';

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly secrets: DataDirSecrets;
  /** Stops accepting connections, lets requests in flight finish (bounded by the grace time), closes the store. */
  close(): Promise<void>;
}

/** The composition root: opens the store, loads the secrets, wires the modules and listens. */
export async function startPlatform(config: ServerConfig): Promise<RunningPlatform> {
  const secrets = loadDataDirSecrets(config.dataDir, config.adminToken);
  const store = await openSqliteStore(join(config.dataDir, 'commonweal.sqlite'));
  const apiKeys = new ApiKeyRepository(store);
  const app = await createAppServer({
    config,
    version,
    ping: () => store.ping(),
    admin: {
      adminTokenHash: secrets.adminTokenHash,
      organizations: new OrganizationRepository(store),
      projects: new ProjectRepository(store),
      apiKeys,
      models: new ModelRepository(store),
      sites: new SiteRepository(store),
      deployments: new DeploymentRepository(store, secrets.secretBox),
      onCatalogChange: () => {},
    },
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    app,
    store,
    secrets,
    async close() {
      const forceAfter = setTimeout(() => app.server.closeAllConnections(), config.http.shutdownGraceMs).unref();
      app.server.closeIdleConnections();
      await app.close();
      clearTimeout(forceAfter);
      await store.close();
    },
  };
}
