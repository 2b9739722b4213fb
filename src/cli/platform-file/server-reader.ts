import type { AdminHttpClient } from '../admin-http-client.js';
import { listAll } from '../resource-command.js';

/** Bounds the calls in flight, so that a platform of thousands of organizations is read without a burst. */
const organizationsReadAtOnceMax = 8;

export type ServerRecord = Readonly<Record<string, unknown>>;

/**
 * Reads what a server has, through the same GET lists as any client, keeping the lists
 * that several kinds need (organizations, their projects) so each is read once.
 */
export class ServerReader {
  readonly client: AdminHttpClient;
  #organizations: Promise<ServerRecord[]> | undefined;
  readonly #projects = new Map<string, Promise<ServerRecord[]>>();

  constructor(client: AdminHttpClient) {
    this.client = client;
  }

  /** Every item of a paged list, page after page. */
  pages(path: string): Promise<ServerRecord[]> {
    return listAll(this.client, path, new URLSearchParams({ limit: '200' }), true);
  }

  /** A short list the server answers whole. */
  async whole(path: string): Promise<ServerRecord[]> {
    return (await this.client.call<{ data: ServerRecord[] }>('GET', path)).data;
  }

  /** One record, or undefined when the server answers 404. */
  async optional(path: string): Promise<ServerRecord | undefined> {
    try {
      return await this.client.call<ServerRecord>('GET', path);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  organizations(): Promise<ServerRecord[]> {
    this.#organizations ??= this.pages('/orgs');
    return this.#organizations;
  }

  projects(organizationId: string): Promise<ServerRecord[]> {
    let projects = this.#projects.get(organizationId);
    if (projects === undefined) {
      projects = this.pages(`${organizationPath(organizationId)}/projects`);
      this.#projects.set(organizationId, projects);
    }
    return projects;
  }

  /** The same read for each organization, in the organizations' order, a few organizations at a time. */
  async perOrganization<T>(read: (organizationId: string) => Promise<T[]>): Promise<T[]> {
    const ids = (await this.organizations()).map((o) => String(o.id));
    const items: T[] = [];
    for (let start = 0; start < ids.length; start += organizationsReadAtOnceMax) {
      const batch = ids.slice(start, start + organizationsReadAtOnceMax);
      for (const batchItems of await Promise.all(batch.map(read))) items.push(...batchItems);
    }
    return items;
  }
}

export function organizationPath(organizationId: string): string {
  return `/orgs/${encodeURIComponent(organizationId)}`;
}
