import type { AdminHttpClient } from '../admin-http-client.js';
import { type PlatformList, platformLists } from './declared-schemas.js';
import type { PlatformState } from './platform-plan.js';
import type { CurrentItem } from './resource-kind.js';
import { resourceKinds } from './resource-kinds.js';
import { ServerReader } from './server-reader.js';

/** Everything a platform file can declare, as the server has it now, through its GET lists. */
export async function readPlatformState(client: AdminHttpClient): Promise<PlatformState> {
  const server = new ServerReader(client);
  const lists = await Promise.all(platformLists.map((list) => resourceKinds[list].read(server)));
  const state = {} as Record<PlatformList, readonly CurrentItem[]>;
  for (const [i, list] of platformLists.entries()) state[list] = lists[i]!;
  return state;
}
