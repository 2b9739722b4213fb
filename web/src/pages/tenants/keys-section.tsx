import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate } from '../../ui/credits';
import { ErrorMessage, QueryState } from '../../ui/query-state';
import { useAction } from '../../ui/use-action';
import { projectsQuery } from './projects-section';

const keysQuery = (orgId: string) => ({
  queryKey: ['orgs', orgId, 'keys'],
  queryFn: () => unwrap(api.GET('/admin/v1/orgs/{orgId}/keys', { params: { path: { orgId }, query: { limit: 200 } } })),
});

function keyState(key: { revokedAt: string | null; expiresAt: string | null }): string {
  if (key.revokedAt !== null) return `revoked ${formatDate(key.revokedAt)}`;
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= Date.now()) return 'expired';
  return key.expiresAt === null ? 'active' : `active until ${formatDate(key.expiresAt)}`;
}

function NewKeyForm({ orgId, onSecret }: { readonly orgId: string; readonly onSecret: (secret: string) => void }) {
  const projects = useQuery(projectsQuery(orgId));
  const [role, setRole] = useState<'project' | 'org_admin'>('project');
  const [projectId, setProjectId] = useState('');
  const [name, setName] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const create = useAction(
    () =>
      unwrap(
        api.POST('/admin/v1/orgs/{orgId}/keys', {
          params: { path: { orgId } },
          body: {
            role,
            ...(role === 'project' ? { projectId: projectId || projects.data?.data[0]?.id } : {}),
            ...(name === '' ? {} : { name }),
            ...(expiresOn === '' ? {} : { expiresAt: `${expiresOn}T00:00:00Z` }),
          },
        }),
      ),
    [keysQuery(orgId).queryKey],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: (created) => onSecret(created.secret) });
  };
  return (
    <form onSubmit={submit} aria-labelledby="key-create-title" className="inline-form">
      <h3 id="key-create-title">Create an API key</h3>
      <label htmlFor="key-role">Role</label>
      <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
        <option value="project">project key (calls /v1)</option>
        <option value="org_admin">organization admin (manages this organization)</option>
      </select>
      {role === 'project' && (
        <>
          <label htmlFor="key-project">Project</label>
          <select id="key-project" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
            {(projects.data?.data ?? []).map((project) => (
              <option key={project.id} value={project.id}>
                {project.name} ({project.id})
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor="key-name">Key name (optional)</label>
      <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="key-expiry">Expires on (optional, UTC midnight)</label>
      <input id="key-expiry" type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />
      <button type="submit" disabled={create.isPending}>
        Create key
      </button>
      {create.isError && <ErrorMessage error={create.error} />}
    </form>
  );
}

/** API keys: the secret of a new key is shown here once and never again; revoking keeps the record for usage. */
export function KeysSection({ orgId }: { readonly orgId: string }) {
  const keys = useQuery(keysQuery(orgId));
  const [secret, setSecret] = useState<string>();
  const revoke = useAction(
    (keyId: string) =>
      unwrap(api.DELETE('/admin/v1/orgs/{orgId}/keys/{keyId}', { params: { path: { orgId, keyId } } })),
    [keysQuery(orgId).queryKey],
  );
  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {secret !== undefined && (
        <div role="alert" className="secret">
          <p>
            <strong>Copy this key now: it is shown only once.</strong>
          </p>
          <input
            readOnly
            aria-label="New API key secret"
            className="secret-value"
            value={secret}
            onFocus={(e) => e.target.select()}
          />
          <button type="button" className="secondary" onClick={() => setSecret(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      <QueryState query={keys}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Project</th>
                <th scope="col">Starts with</th>
                <th scope="col">State</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((key) => (
                <tr key={key.id}>
                  <td>{key.name ?? key.id}</td>
                  <td>{key.role}</td>
                  <td>{key.projectId ?? '—'}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{keyState(key)}</td>
                  <td>
                    {key.revokedAt === null && (
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`Revoke key ${key.name ?? key.id}`}
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(key.id)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      <NewKeyForm orgId={orgId} onSecret={setSecret} />
    </section>
  );
}
