import { type Checkpoint, openCheckpoint } from './checkpoint.js';
import { noteSizeBytesMax, type NoteKey } from './signed-note.js';
import { verifyConsistency } from './verify-proofs.js';

/** What a witness keeps between runs: the last checkpoint it accepted, as signed. */
export interface WitnessState {
  readonly checkpoint: string;
}

/** The log broke a promise it signed: it rewound or rewrote its history. */
export class LogInconsistencyError extends Error {
  override readonly name = 'LogInconsistencyError';
}

export interface WitnessObservation {
  readonly previous: Checkpoint | undefined;
  readonly current: Checkpoint;
  /** True when the tree grew and the consistency proof from the previous checkpoint verified. */
  readonly grew: boolean;
}

export interface LogWitnessDeps {
  /** The log's base URL, e.g. `https://ai.example.gov`. */
  readonly baseUrl: string;
  readonly key: NoteKey;
  readonly timeoutMs: number;
}

const proofBytesMax = 64 * 1024;

/**
 * A witness in the Certificate Transparency sense: it holds the last checkpoint it saw
 * and accepts a new one only with a consistency proof from the old one, so a log that
 * rewrites or drops a leaf it once signed is caught the next time the witness looks.
 */
export class LogWitness {
  readonly #deps: LogWitnessDeps;

  constructor(deps: LogWitnessDeps) {
    this.#deps = deps;
  }

  /** Fetches the latest checkpoint and checks it against `state`; returns what to keep next. */
  async observe(state: WitnessState | undefined): Promise<{ observation: WitnessObservation; state: WitnessState }> {
    const note = await this.#get('/v1/log/checkpoint', noteSizeBytesMax);
    const current = openCheckpoint(note, this.#deps.key);
    const previous = state === undefined ? undefined : openCheckpoint(state.checkpoint, this.#deps.key);
    if (previous === undefined) return { observation: { previous, current, grew: false }, state: { checkpoint: note } };
    if (current.size < previous.size)
      throw new LogInconsistencyError(`the log went back from ${previous.size} to ${current.size} leaves`);
    if (current.size === previous.size) {
      if (!current.root.equals(previous.root))
        throw new LogInconsistencyError(`the log signed two different roots for size ${current.size}`);
      return { observation: { previous, current, grew: false }, state: state! };
    }
    if (previous.size > 0) await this.#proveConsistency(previous, current);
    return { observation: { previous, current, grew: true }, state: { checkpoint: note } };
  }

  async #proveConsistency(previous: Checkpoint, current: Checkpoint): Promise<void> {
    const text = await this.#get(`/v1/log/proof/consistency?from=${previous.size}&to=${current.size}`, proofBytesMax);
    const hashes = (JSON.parse(text) as { hashes?: unknown }).hashes;
    if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string'))
      throw new Error('the consistency proof answer has no hashes');
    const proof = hashes.map((h: string) => Buffer.from(h, 'base64'));
    if (!verifyConsistency(previous.size, current.size, proof, previous.root, current.root)) {
      throw new LogInconsistencyError(
        `the log's tree of ${current.size} leaves does not contain the tree of ${previous.size} leaves it signed before`,
      );
    }
  }

  async #get(path: string, sizeBytesMax: number): Promise<string> {
    const response = await fetch(`${this.#deps.baseUrl}${path}`, { signal: AbortSignal.timeout(this.#deps.timeoutMs) });
    // A declared length over the bound is refused before the body is read.
    if (Number(response.headers.get('content-length') ?? 0) > sizeBytesMax)
      throw new Error(`GET ${path} answered more than ${sizeBytesMax} bytes`);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    if (Buffer.byteLength(text) > sizeBytesMax) throw new Error(`GET ${path} answered more than ${sizeBytesMax} bytes`);
    return text;
  }
}
