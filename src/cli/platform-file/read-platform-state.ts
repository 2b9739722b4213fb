import type { AdminHttpClient } from '../admin-http-client.js';
import { type PlatformList, platformLists } from './declared-schemas.js';
import type { PlatformState } from './platform-plan.js';
import type { CurrentItem } from './resource-kind.js';
import { resourceKinds } from './resource-kinds.js';
import { ServerReader } from './server-reader.js';

/** Everything a platform file can declare, as the server has it now, through its GET lists. */
export async function readPlatformState(client: AdminHttpClient): Promise<PlatformState> {
  const server = new ServerReader(client);
  const state = {} as Record<PlatformList, readonly CurrentItem[]>;
  // One kind after another, so that the calls in flight stay few whatever the platform's size.
  for (const list of platformLists) state[list] = await resourceKinds[list].read(server);
  return state;
}
