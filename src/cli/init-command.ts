import { Command } from 'commander';
import { type AdminHttpClient, CliError } from './admin-http-client.js';
import { demoLines, deployDemoModel, giveDemoCredits } from './demo-deployment.js';

interface Created {
  readonly id: string;
  readonly secret?: string;
}

interface InitOptions {
  readonly orgId: string;
  readonly orgName: string;
  readonly homeJurisdiction: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly demo?: boolean;
  readonly json?: boolean;
}

interface InitRecords {
  readonly org: Created;
  readonly project: Created;
  readonly key: Created;
}

/** A second init on the same server names what to do instead of creating anything. */
function alreadyInitialized(orgId: string, projectId: string): CliError {
  return new CliError(
    `organization "${orgId}" exists already, so init created nothing. For another key in its project: ` +
      `commonweal keys create --org ${orgId} --project ${projectId}; for a new organization: commonweal init --org-id <id>`,
    409,
  );
}

/**
 * Creates the organization, its project and a project key, or none of them: when a later
 * step fails (an invalid project id, say), what was created is deleted again, so that the
 * same init can be run again once corrected instead of finding its organization taken.
 */
async function createAll(api: AdminHttpClient, options: InitOptions): Promise<InitRecords> {
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const org = await api.call<Created>('POST', '/orgs', {
      id: options.orgId,
      name: options.orgName,
      homeJurisdiction: options.homeJurisdiction,
    });
    const orgPath = `/orgs/${encodeURIComponent(org.id)}`;
    undo.push(() => api.call('DELETE', orgPath));
    const project = await api.call<Created>('POST', `${orgPath}/projects`, {
      id: options.projectId,
      name: options.projectName,
    });
    undo.push(() => api.call('DELETE', `${orgPath}/projects/${encodeURIComponent(project.id)}`));
    const key = await api.call<Created>('POST', `${orgPath}/keys`, {
      role: 'project',
      projectId: project.id,
      name: 'created by commonweal init',
    });
    return { org, project, key };
  } catch (error) {
    if (undo.length === 0 && error instanceof CliError && error.status === 409)
      throw alreadyInitialized(options.orgId, options.projectId);
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (undoError) {
        throw new CliError(
          `${(error as Error).message}; init could not delete what it had created (${(undoError as Error).message}): ` +
            `delete organization "${options.orgId}" before running init again`,
        );
      }
    }
    throw error;
  }
}

/**
 * First steps in one command: an organization, a project and a project key, then how
 * to call the API with them. Each step goes through the management API, as a script would.
 */
export function initCommand(client: () => AdminHttpClient, server: () => string): Command {
  return new Command('init')
    .description('create a first organization, project and API key, and print how to call the API')
    .option('--org-id <id>', 'organization id', 'default')
    .option('--org-name <name>', 'organization name', 'Default organization')
    .option('--home-jurisdiction <code>', 'ISO 3166-1 alpha-2 country of the organization', 'DE')
    .option('--project-id <id>', 'project id', 'default')
    .option('--project-name <name>', 'project name', 'Default project')
    .option(
      '--demo',
      'also deploy a tiny demo model on the embedded engine and give the organization credits, for a first answer',
    )
    .option('--json', 'print the created records as JSON')
    .action(async (options: InitOptions) => {
      const api = client();
      const demo = options.demo ? await deployDemoModel(api, options.homeJurisdiction) : null;
      const { org, project, key } = await createAll(api, options);
      if (demo !== null) await giveDemoCredits(api, org.id);
      if (options.json) {
        console.log(JSON.stringify({ organization: org, project, key, ...(demo === null ? {} : { demo }) }, null, 2));
        return;
      }
      console.log(
        [
          `Created organization "${org.id}", project "${project.id}" and key "${key.id}".`,
          '',
          'Your API key (shown once, store it now):',
          `    ${key.secret}`,
          '',
          ...(demo === null ? nextSteps(server(), org.id, key.secret!) : demoLines(server(), key.secret!, demo)),
        ].join('\n'),
      );
    });
}

function nextSteps(server: string, orgId: string, secret: string): string[] {
  return [
    'Call the OpenAI-compatible API with it, once a model and a deployment are registered:',
    `    curl ${server}/v1/models -H "Authorization: Bearer ${secret}"`,
    '',
    'or from any OpenAI SDK:',
    `    OPENAI_BASE_URL=${server}/v1 OPENAI_API_KEY=${secret}`,
    '',
    'Requests are charged in credits; give the organization some first (billing is on by default):',
    `    commonweal credits add --org ${orgId} --amount 1000 --id welcome-credits`,
  ];
}
