import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const cliPath = fileURLToPath(new URL('../../src/cli/commonweal.js', import.meta.url));
/** `NODE_OPTIONS` under which a spawned server runs as if the optional node-llama-cpp were not installed. */
const hideNodeLlamaCpp = fileURLToPath(new URL('./hide-node-llama-cpp.js', import.meta.url));
export const hideNodeLlamaCppOptions = `--import ${hideNodeLlamaCpp}`;

/**
 * The child's environment: this process's, less any COMMONWEAL_* setting a developer has
 * exported (a database URL, a config file), so that a test sees only what it passes.
 */
function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMMONWEAL_')));
  return { ...inherited, ...env };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `commonweal` command as a user would and collects its output. */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { env: childEnv(env), timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything the process printed on stdout so far. */
  output(): string;
}

/** Spawns `commonweal serve` on an ephemeral port and resolves once it prints its address. */
export function spawnServe(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: childEnv(env),
  });
  return whenListening(child);
}

/** Resolves once a spawned `commonweal serve` prints its address; rejects if it exits first. */
export function whenListening(child: ChildProcessWithoutNullStreams): Promise<ServeProcess> {
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve({ child, url: match[1]!, output: () => stdout });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

/** Kills a spawned server that is still running, for a test's cleanup after a failure. */
export async function killServe(server: ServeProcess | undefined): Promise<void> {
  if (server === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGKILL');
  await exitOf(server.child);
}

export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
