import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server misbehaves; it applies to the next file request only. */
export type RangeFileFault =
  /** Sends this many bytes of the body, then drops the connection as a failing network would. */
  | { readonly kind: 'cut_after'; readonly bytes: number }
  /** Answers 200 with the whole file, as a server that cannot resume does. */
  | { readonly kind: 'ignore_range' };

/**
 * Serves files with range requests, as a CDN does, at `/<name>`; and at `/hf/<name>`
 * behind a redirect that announces the file's size and SHA-256 the way Hugging Face's
 * `resolve` URLs do (`x-linked-size`, `x-linked-etag`).
 */
export class RangeFileServer {
  readonly #server: Server;
  readonly #files: ReadonlyMap<string, Buffer>;
  /** The Range header of every file request, in order. */
  readonly ranges: (string | undefined)[] = [];
  fault: RangeFileFault | null = null;
  /** Announced instead of the real hash when set, to test the check. */
  linkedSha256: string | null = null;

  private constructor(files: Readonly<Record<string, Buffer>>) {
    this.#files = new Map(Object.entries(files));
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  static async start(files: Readonly<Record<string, Buffer>>): Promise<RangeFileServer> {
    const server = new RangeFileServer(files);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    if (path.startsWith('/hf/')) return this.#redirect(path.slice(3), res);
    const fault = this.fault;
    this.fault = null;
    this.ranges.push(req.headers.range);
    const file = this.#files.get(path.slice(1));
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    const range = fault?.kind === 'ignore_range' ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(file.length - start) };
    if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${file.length - 1}/${file.length}` });
    else res.writeHead(200, headers);
    if (fault?.kind !== 'cut_after') {
      res.end(file.subarray(start));
      return;
    }
    res.write(file.subarray(start, start + fault.bytes), () => setImmediate(() => res.socket?.destroy()));
  }

  #redirect(target: string, res: ServerResponse): void {
    const file = this.#files.get(target.slice(1));
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    const sha256 = this.linkedSha256 ?? createHash('sha256').update(file).digest('hex');
    res.writeHead(302, { location: target, 'x-linked-size': String(file.length), 'x-linked-etag': `"${sha256}"` });
    res.end();
  }
}
