import { Command } from 'commander';
import type { AdminHttpClient } from './admin-http-client.js';

interface Created {
  readonly id: string;
  readonly secret?: string;
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
    .option('--json', 'print the created records as JSON')
    .action(async (options) => {
      const api = client();
      const org = await api.call<Created>('POST', '/orgs', {
        id: options.orgId,
        name: options.orgName,
        homeJurisdiction: options.homeJurisdiction,
      });
      const project = await api.call<Created>('POST', `/orgs/${encodeURIComponent(org.id)}/projects`, {
        id: options.projectId,
        name: options.projectName,
      });
      const key = await api.call<Created>('POST', `/orgs/${encodeURIComponent(org.id)}/keys`, {
        role: 'project',
        projectId: project.id,
        name: 'created by commonweal init',
      });
      if (options.json) {
        console.log(JSON.stringify({ organization: org, project, key }, null, 2));
        return;
      }
      console.log(
        [
          `Created organization "${org.id}", project "${project.id}" and key "${key.id}".`,
          '',
          'Your API key (shown once, store it now):',
          `    ${key.secret}`,
          '',
          'Call the OpenAI-compatible API with it, once a model and a deployment are registered:',
          `    curl ${server()}/v1/models -H "Authorization: Bearer ${key.secret}"`,
          '',
          'or from any OpenAI SDK:',
          `    OPENAI_BASE_URL=${server()}/v1 OPENAI_API_KEY=${key.secret}`,
          '',
          'Requests are charged in credits; give the organization some first (billing is on by default):',
          `    commonweal credits add --org ${org.id} --amount 1000 --id welcome-credits`,
        ].join('\n'),
      );
    });
}
