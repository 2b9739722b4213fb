import { type ChildProcess, spawn } from 'node:child_process';

const listening = /listening on (http:\/\/[^\s)]+)/;
const outputKeptChars = 8 * 1024;
const startTimeoutDefaultMs = 30_000;
const stopTimeoutMs = 15_000;

/**
 * A Node program running on one CPU core (`taskset -c <core>`), started for a benchmark.
 * taskset executes node in its own place, so the child's pid is node's and /proc reads of
 * it measure the program itself.
 */
export class PinnedProcess {
  readonly name: string;
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #output: { text: string };

  private constructor(name: string, child: ChildProcess, url: string, output: { text: string }) {
    this.name = name;
    this.#child = child;
    this.url = url;
    this.#output = output;
  }

  /**
   * Starts `<wrapper> node <nodeArgs> <script> <args>` on `core` and resolves once it
   * prints `listening on <url>`. A wrapper (e.g. valgrind) must exec node in its own
   * process, as taskset does, so that the pid stays the program's.
   */
  static start(
    name: string,
    core: number,
    script: string,
    args: readonly string[],
    options: {
      readonly env?: Readonly<Record<string, string>>;
      readonly nodeArgs?: readonly string[];
      readonly wrapper?: readonly string[];
      readonly startTimeoutMs?: number;
    } = {},
  ): Promise<PinnedProcess> {
    const env = options.env ?? {};
    const startTimeoutMs = options.startTimeoutMs ?? startTimeoutDefaultMs;
    const child = spawn(
      'taskset',
      ['-c', String(core), ...(options.wrapper ?? []), process.execPath, ...(options.nodeArgs ?? []), script, ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = { text: '' };
    // Keep reading so that a chatty child never blocks on a full pipe; keep only the tail.
    const keep = (chunk: Buffer) => {
      output.text = (output.text + chunk.toString('utf8')).slice(-outputKeptChars);
    };
    child.stderr!.on('data', keep);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${startTimeoutMs} ms: ${output.text}`));
      }, startTimeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before listening: ${output.text}`));
      };
      child.once('exit', onExit);
      let started = false;
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        const match = started ? null : listening.exec(output.text);
        if (match === null) return;
        started = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(new PinnedProcess(name, child, match[1]!, output));
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Asks the process to stop (SIGTERM), then kills it if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the process at once; for when the benchmark itself has to give up. */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  /** The tail of what the process printed on stdout and stderr. */
  recentOutput(): string {
    return this.#output.text;
  }
}
