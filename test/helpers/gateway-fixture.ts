import OpenAI from 'openai';
import { callAdmin } from './admin-client.js';
import { FakeUpstream } from './fake-upstream.js';
import { startTempPlatform, type TempPlatform, type TempPlatformConfig } from './temp-platform.js';

export interface GatewayFixture {
  readonly platform: TempPlatform;
  readonly upstreams: readonly FakeUpstream[];
  /** A project key of organization `acme`, project `main`. */
  readonly apiKey: string;
  readonly apiKeyId: string;
  readonly client: OpenAI;
  dispose(): Promise<void>;
}

/** What the fixture's organization starts with: one million credits. */
export const fixtureCreditsMicro = 1_000_000_000_000;

async function admin(platform: TempPlatform, method: 'POST' | 'PATCH', path: string, body: unknown): Promise<any> {
  const answer = await callAdmin(platform.url, method, path, { body });
  if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * A platform with one organization, a project key, model `fake-model` and one
 * deployment per fake upstream, at sites in Germany (`fra-1`) and France (`par-1`).
 */
export async function startGatewayFixture(
  options: { upstreamCount?: number; maxRetries?: number; config?: TempPlatformConfig } = {},
): Promise<GatewayFixture> {
  const platform = await startTempPlatform(undefined, options.config);
  const upstreams = await Promise.all(Array.from({ length: options.upstreamCount ?? 1 }, () => FakeUpstream.start()));
  await admin(platform, 'POST', '/admin/v1/orgs', { id: 'acme', name: 'Acme', homeJurisdiction: 'DE' });
  await admin(platform, 'POST', '/admin/v1/orgs/acme/projects', { id: 'main', name: 'Main' });
  // Billing is on by default: a million credits keep every request of a test far from 402.
  await admin(platform, 'POST', '/admin/v1/orgs/acme/credits', { amountMicro: fixtureCreditsMicro });
  const key = await admin(platform, 'POST', '/admin/v1/orgs/acme/keys', { role: 'project', projectId: 'main' });
  await admin(platform, 'POST', '/admin/v1/models', {
    id: 'fake-model',
    inputPriceMicroPerMtok: 1_000_000,
    outputPriceMicroPerMtok: 2_000_000,
  });
  await admin(platform, 'POST', '/admin/v1/sites', { id: 'fra-1', name: 'Frankfurt', jurisdiction: 'DE' });
  await admin(platform, 'POST', '/admin/v1/sites', { id: 'par-1', name: 'Paris', jurisdiction: 'FR' });
  for (const [index, upstream] of upstreams.entries()) {
    await admin(platform, 'POST', '/admin/v1/deployments', {
      id: `dep-${index}`,
      modelId: 'fake-model',
      siteId: index % 2 === 0 ? 'fra-1' : 'par-1',
      kind: 'openai',
      baseUrl: upstream.baseUrl,
    });
  }
  const client = new OpenAI({
    apiKey: key.secret,
    baseURL: `${platform.url}/v1`,
    maxRetries: options.maxRetries ?? 0,
    timeout: 20_000,
  });
  return {
    platform,
    upstreams,
    apiKey: key.secret,
    apiKeyId: key.id,
    client,
    async dispose() {
      await platform.dispose();
      await Promise.all(upstreams.map((u) => u.close()));
    },
  };
}
