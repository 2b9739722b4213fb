import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate } from '../../ui/credits';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

export const projectsQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'projects'],
  queryFn: () =>
    unwrap(api.GET('/admin/v1/orgs/{orgId}/projects', { params: { path: { orgId }, query: { limit: 200 } } })),
});

export function ProjectsSection({ orgId }: { readonly orgId: string }) {
  const projects = useQuery(projectsQuery(orgId));
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const create = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/orgs/{orgId}/projects', {
          params: { path: { orgId } },
          body: { name, ...(id === '' ? {} : { id }) },
        }),
      ),
    [projectsQuery(orgId).queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, {
      onSuccess: () => {
        setName('');
        setId('');
      },
    });
  };
  return (
    <section className="panel" aria-labelledby="projects-title">
      <h2 id="projects-title">Projects</h2>
      <QueryState query={projects}>
        {(page) =>
          page.data.length === 0 ? (
            <p>No project yet: API keys for /v1 belong to a project.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((project) => (
                  <tr key={project.id}>
                    <td>{project.name}</td>
                    <td>
                      <code>{project.id}</code>
                    </td>
                    <td>{formatDate(project.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <form onSubmit={submit} aria-labelledby="project-create-title" className="inline-form">
        <h3 id="project-create-title">Add a project</h3>
        <label htmlFor="project-name">Project name</label>
        <input id="project-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="project-id">Project id (optional)</label>
        <input id="project-id" value={id} onChange={(e) => setId(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          Add project
        </button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
    </section>
  );
}
