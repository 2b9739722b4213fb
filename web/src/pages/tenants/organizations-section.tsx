import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate } from '../../ui/credits';
import { organizationsQuery } from '../../ui/organization-picker';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';

/** The operator's list of organizations, and a form to add one. */
export function OrganizationsSection({ onCreated }: { readonly onCreated: (id: string) => void }) {
  const organizations = useQuery(organizationsQuery);
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [home, setHome] = useState('');
  const create = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/orgs', {
          body: { name, homeJurisdiction: home.toUpperCase(), ...(id === '' ? {} : { id }) },
        }),
      ),
    [organizationsQuery.queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, {
      onSuccess: (created) => {
        setName('');
        setId('');
        setHome('');
        onCreated(created.id);
      },
    });
  };
  return (
    <section className="panel" aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      <QueryState query={organizations}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Home jurisdiction</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((organization) => (
                <tr key={organization.id}>
                  <td>{organization.name}</td>
                  <td>
                    <code>{organization.id}</code>
                  </td>
                  <td>{organization.homeJurisdiction}</td>
                  <td>{formatDate(organization.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      <form onSubmit={submit} aria-labelledby="org-create-title" className="inline-form">
        <h3 id="org-create-title">Add an organization</h3>
        <label htmlFor="org-name">Name</label>
        <input id="org-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="org-id">Id (optional: generated when empty)</label>
        <input id="org-id" value={id} onChange={(e) => setId(e.target.value)} />
        <label htmlFor="org-home">Home jurisdiction (ISO 3166 code, e.g. DE)</label>
        <input id="org-home" required maxLength={2} value={home} onChange={(e) => setHome(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          Add organization
        </button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
    </section>
  );
}
