import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { serverConfigDefaults } from './server-config.js';

/** Where the operator CLI finds its server and admin token. */
export interface CliSettings {
  readonly server: string;
  readonly token: string | undefined;
  readonly settingsFile: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The server a CLI with no settings manages: one started with the defaults, on this machine. */
export const defaultCliServer = `http://${serverConfigDefaults.host}:${serverConfigDefaults.port}`;

export function cliSettingsFile(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return env.COMMONWEAL_CLI_CONFIG || join(base, 'commonweal', 'cli.json');
}

function readSettingsFile(path: string): { server?: string; token?: string } {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { server, token } = parsed as Record<string, unknown>;
    return {
      ...(typeof server === 'string' ? { server } : {}),
      ...(typeof token === 'string' ? { token } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * Resolves the CLI's target the way kubectl does: a flag wins, then the environment
 * (COMMONWEAL_SERVER, COMMONWEAL_ADMIN_TOKEN), then the settings file, then the default
 * local server. An empty value counts as unset, as shells often export empty variables.
 */
export function loadCliSettings(flags: { server?: string; token?: string }, env: Env = process.env): CliSettings {
  const settingsFile = cliSettingsFile(env);
  const file = readSettingsFile(settingsFile);
  return Object.freeze({
    server: (flags.server || env.COMMONWEAL_SERVER || file.server || defaultCliServer).replace(/\/+$/, ''),
    token: flags.token || env.COMMONWEAL_ADMIN_TOKEN || file.token || undefined,
    settingsFile,
  });
}
