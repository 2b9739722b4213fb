import { readFileSync } from 'node:fs';
import { patternString } from './pattern-string.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where a declared secret lives: `env:NAME` or `file:/absolute/path`. A declared platform
 * file is meant to be committed and shared, so the secret itself is never written in it.
 */
export const SecretReference = patternString(
  '^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:/.{1,4000})$',
  'a secret reference, env:NAME or file:/absolute/path; a secret is never written inline',
  { description: 'env:NAME (an environment variable) or file:/absolute/path (its content, trailing newline removed)' },
);

export class SecretReferenceError extends Error {
  override readonly name = 'SecretReferenceError';
}

/** The secret a reference names, read when it is needed and never kept anywhere else. */
export function resolveSecretReference(reference: string, env: Env = process.env): string {
  if (reference.startsWith('env:')) {
    const name = reference.slice('env:'.length);
    const value = env[name];
    if (value === undefined || value === '') throw new SecretReferenceError(`${reference}: ${name} is not set`);
    return value;
  }
  if (reference.startsWith('file:/')) {
    const path = reference.slice('file:'.length);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new SecretReferenceError(`${reference}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
    }
    // Editors and `echo` end a file with a newline that is no part of the key.
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new SecretReferenceError(`${reference}: ${path} is empty`);
    return value;
  }
  throw new SecretReferenceError(`"${reference.slice(0, 8)}…" is not a secret reference (env:NAME or file:/path)`);
}

/** The environment variable an exported file names for a secret the server will not give back. */
export function secretVariableFor(resource: string, id: string): string {
  return `COMMONWEAL_SECRET_${resource}_${id}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
