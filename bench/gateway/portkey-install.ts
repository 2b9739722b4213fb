import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const portkeyDir = fileURLToPath(new URL('../../../bench/portkey/', import.meta.url));
const installedPackages = ['@portkey-ai/gateway', '@hono/node-server'] as const;

/** Whether each package pinned in bench/portkey/package.json is installed there at its pinned version. */
function installedAsPinned(): boolean {
  const pinned = JSON.parse(readFileSync(`${portkeyDir}package.json`, 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return installedPackages.every((name) => {
    const file = `${portkeyDir}node_modules/${name}/package.json`;
    return (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === pinned.dependencies[name]
    );
  });
}

/**
 * Installs Portkey's gateway into bench/portkey/ (its own node_modules, ignored by git)
 * unless it is there already at the pinned versions. It is kept out of the project's
 * dependencies so that `npm install` of Commonweal never fetches it; only this benchmark does.
 */
export function ensurePortkeyInstalled(log: (message: string) => void): void {
  if (installedAsPinned()) return;
  log(
    `installing Portkey's gateway for the comparison: npm install --prefix ${portkeyDir} (once; --no-portkey leaves it out)`,
  );
  execFileSync('npm', ['install', '--prefix', portkeyDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (!installedAsPinned()) throw new Error(`npm installed other versions than bench/portkey/package.json pins`);
}
