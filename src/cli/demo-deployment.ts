import type { GgufModelInfo } from '../model-files/index.js';
import { type AdminHttpClient, CliError } from './admin-http-client.js';

/** What `init --demo` put on the server, for the lines it prints. */
export interface DemoDeployment {
  readonly modelId: string;
  readonly deploymentId: string;
  readonly siteId: string;
  /** The model file on the server. */
  readonly path: string;
}

export const demoModelId = 'commonweal-demo';
const demoSiteId = 'demo';
// Enough to call the demo model a few hundred times; it is priced at zero, so it only opens the account.
const demoCreditsMicro = 10_000_000;

/** Creates a record unless one with its id exists: a second demo init reuses the first one's. */
async function createOnce(api: AdminHttpClient, path: string, body: unknown): Promise<void> {
  try {
    await api.call('POST', path, body);
  } catch (error) {
    if (!(error instanceof CliError) || error.status !== 409) throw error;
  }
}

/**
 * Has the server write the tiny demo model into its data directory, then registers it at
 * price zero and deploys it on the embedded engine at a demo site in `jurisdiction`, so
 * that an organization at home there may be served. Runs before the organization is
 * created: a server without the embedded engine refuses the model, and init then stops
 * with how to install it, having created nothing.
 */
export async function deployDemoModel(api: AdminHttpClient, jurisdiction: string): Promise<DemoDeployment> {
  const demo = await api.call<{ path: string; model: GgufModelInfo }>('POST', '/demo-model');
  await createOnce(api, '/sites', { id: demoSiteId, name: 'Demo site (this server)', jurisdiction });
  await createOnce(api, '/models', {
    id: demoModelId,
    family: demo.model.architecture,
    license: demo.model.license,
    parameterCount: demo.model.parameterCount,
    contextLength: demo.model.contextLength,
    inputPriceMicroPerMtok: 0,
    outputPriceMicroPerMtok: 0,
    tags: ['demo', 'gguf'],
  });
  const deployment = { id: demoModelId, modelId: demoModelId, siteId: demoSiteId, kind: 'embedded', source: demo.path };
  await createOnce(api, '/deployments', deployment);
  return { modelId: demoModelId, deploymentId: demoModelId, siteId: demoSiteId, path: demo.path };
}

/** Billing is on by default: the organization needs a credits account before its first request. */
export async function giveDemoCredits(api: AdminHttpClient, orgId: string): Promise<void> {
  const memo = 'commonweal init --demo';
  await api.call('POST', `/orgs/${encodeURIComponent(orgId)}/credits`, { amountMicro: demoCreditsMicro, memo });
}

/** How to get the first answer, in lines to print. */
export function demoLines(server: string, secret: string, demo: DemoDeployment): string[] {
  const body = JSON.stringify({ model: demo.modelId, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 24 });
  return [
    `The demo model "${demo.modelId}" is deployed at site "${demo.siteId}" on the embedded engine, from`,
    `    ${demo.path}`,
    'It is a tiny random-weight model: its answers are gibberish, but the path around them (the key,',
    'policy, metering, credits, receipts) is real. Ask it for a first answer:',
    `    curl ${server}/v1/chat/completions -H "Authorization: Bearer ${secret}" \\`,
    `      -H "Content-Type: application/json" -d '${body}'`,
  ];
}
