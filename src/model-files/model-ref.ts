import { isAbsolute, join } from 'node:path';

/**
 * Where a model file comes from: a file on this machine, a file in a Hugging Face
 * repository (`hf:<user>/<repo>/<path>.gguf`, optionally `#<revision>`, as
 * node-llama-cpp writes them), or any http(s) URL of a GGUF file.
 */
export type ModelRef =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'hf';
      readonly user: string;
      readonly repo: string;
      readonly file: string;
      readonly revision: string;
    }
  | { readonly kind: 'url'; readonly url: URL };

/** Where `hf:` files are downloaded from, unless a mirror is named. */
export const huggingFaceEndpoint = 'https://huggingface.co';
// Names that can become path segments of the models directory without escaping it.
const safeSegment = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,200}$/;

function segments(path: string, what: string): string[] {
  const parts = path.split('/');
  for (const part of parts)
    if (!safeSegment.test(part)) throw new TypeError(`${what}: "${part}" is not a plain file or directory name`);
  return parts;
}

/** A URL's path, decoded; a malformed escape (`%FF`) is a TypeError like every other fault of a reference. */
function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.slice(1));
  } catch {
    throw new TypeError('a model URL has a malformed percent-escape');
  }
}

function parseHuggingFace(rest: string): ModelRef {
  const [path = '', revision = 'main', extra] = rest.split('#');
  if (extra !== undefined) throw new TypeError('a Hugging Face reference has at most one #revision');
  const [user = '', repo = '', ...file] = segments(path, 'a Hugging Face reference');
  if (file.length === 0 || !file.at(-1)!.endsWith('.gguf'))
    throw new TypeError('a Hugging Face reference is hf:<user>/<repo>/<file>.gguf');
  segments(revision, 'a Hugging Face revision');
  return { kind: 'hf', user, repo, file: file.join('/'), revision };
}

/** Throws a TypeError that says what is wrong with the reference. */
export function parseModelRef(ref: string): ModelRef {
  if (ref.startsWith('hf:')) return parseHuggingFace(ref.slice(3));
  if (/^https?:\/\//i.test(ref)) {
    const url = new URL(ref);
    if (url.username !== '' || url.password !== '') throw new TypeError('a model URL must not contain credentials');
    segments(decodedPath(url), 'a model URL');
    return { kind: 'url', url };
  }
  // Relative paths would depend on the directory the server was started from.
  if (!isAbsolute(ref))
    throw new TypeError('a model source is an absolute file path, hf:<user>/<repo>/<file>.gguf or an http(s) URL');
  return { kind: 'file', path: ref };
}

/** Where the file is on this machine: the path itself, or its place under the models directory. */
export function localModelPath(ref: ModelRef, modelsDir: string): string {
  switch (ref.kind) {
    case 'file':
      return ref.path;
    case 'hf':
      return join(modelsDir, 'hf', ref.user, ref.repo, ref.revision, ...ref.file.split('/'));
    case 'url':
      return join(modelsDir, 'url', ref.url.host.replace(':', '_'), ...decodedPath(ref.url).split('/'));
  }
}

/**
 * Where to download the file from; a local file has nowhere. `hfEndpoint` may name a
 * mirror of Hugging Face that serves the same `/<user>/<repo>/resolve/<revision>/<file>` paths.
 */
export function downloadUrlOf(ref: ModelRef, hfEndpoint: string = huggingFaceEndpoint): URL | null {
  switch (ref.kind) {
    case 'file':
      return null;
    case 'hf':
      return new URL(
        `${hfEndpoint.replace(/\/+$/, '')}/${ref.user}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${ref.file}`,
      );
    case 'url':
      return ref.url;
  }
}
