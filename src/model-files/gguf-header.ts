import { open } from 'node:fs/promises';
import { GgufFormatError } from './gguf-format-error.js';

/** A metadata value; arrays keep their first `arrayItemsKeptMax` items and their full length. */
export type GgufValue = number | bigint | boolean | string | GgufArray;

export interface GgufArray {
  readonly kind: 'array';
  readonly length: number;
  readonly items: readonly GgufValue[];
}

export interface GgufTensorInfo {
  readonly name: string;
  /** In ggml order: the first dimension is the one stored contiguously. */
  readonly dims: readonly number[];
  /** The ggml type number, e.g. 0 = F32, 1 = F16. */
  readonly type: number;
}

/** What a GGUF file says about itself before its tensor data starts. */
export interface GgufHeader {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
}

export interface GgufReadLimits {
  /** The header of a large model (a 150k-token vocabulary) is some MB; more means a broken file. */
  readonly headerBytesMax: number;
  readonly arrayItemsKeptMax: number;
}

export const ggufReadDefaults: GgufReadLimits = Object.freeze({
  headerBytesMax: 256 * 1024 * 1024,
  arrayItemsKeptMax: 64,
});

const magic = 0x46554747; // "GGUF" read as a little-endian uint32
const supportedVersions: ReadonlySet<number> = new Set([2, 3]);
// ggml's own bound on dimensions, and sane bounds on counts that a broken file could make huge.
const dimsMax = 4;
const countMax = 10_000_000;
const chunkBytes = 1024 * 1024;

enum ValueType {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
}

const fixedSizes: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/**
 * Reads a file front to back in chunks, never holding more than the header needs. Reads
 * are synchronous while the bytes are buffered: a large vocabulary has a million strings,
 * and awaiting each would make reading the header take seconds.
 */
class HeaderCursor {
  readonly #read: (buffer: Buffer, position: number) => Promise<number>;
  readonly #bytesMax: number;
  #buffer = Buffer.alloc(0);
  #offset = 0;
  #filePosition = 0;

  constructor(read: (buffer: Buffer, position: number) => Promise<number>, bytesMax: number) {
    this.#read = read;
    this.#bytesMax = bytesMax;
  }

  has(length: number): boolean {
    return this.#buffer.length - this.#offset >= length;
  }

  /** Buffers at least `length` bytes, reading more of the file as needed. */
  async need(length: number): Promise<void> {
    if (this.#filePosition - this.#buffer.length + this.#offset + length > this.#bytesMax) {
      throw new GgufFormatError(`the header is larger than ${this.#bytesMax} bytes`);
    }
    while (!this.has(length)) {
      const chunk = Buffer.alloc(Math.max(chunkBytes, length));
      const read = await this.#read(chunk, this.#filePosition);
      if (read === 0) throw new GgufFormatError('the file ends inside its header (truncated download?)');
      this.#filePosition += read;
      this.#buffer = Buffer.concat([this.#buffer.subarray(this.#offset), chunk.subarray(0, read)]);
      this.#offset = 0;
    }
  }

  /** The next bytes, which must be buffered. */
  take(length: number): Buffer {
    const slice = this.#buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  /** A 64-bit count at `offset` bytes ahead, which must be buffered, bounded so that a broken file cannot ask for terabytes. */
  peekCount(what: string, offset = 0): number {
    const value = this.#buffer.readBigUInt64LE(this.#offset + offset);
    if (value > BigInt(countMax)) throw new GgufFormatError(`${what} is ${value}, more than ${countMax}`);
    return Number(value);
  }

  async uint32(): Promise<number> {
    await this.need(4);
    return this.take(4).readUInt32LE(0);
  }

  async count(what: string): Promise<number> {
    await this.need(8);
    const value = this.peekCount(what);
    this.take(8);
    return value;
  }

  async string(): Promise<string> {
    const length = await this.count('a string length');
    await this.need(length);
    return this.take(length).toString('utf8');
  }
}

const notBuffered = Symbol('not buffered');

function decodeFixed(type: number, b: Buffer): GgufValue {
  switch (type) {
    case ValueType.Uint8:
      return b.readUInt8(0);
    case ValueType.Int8:
      return b.readInt8(0);
    case ValueType.Uint16:
      return b.readUInt16LE(0);
    case ValueType.Int16:
      return b.readInt16LE(0);
    case ValueType.Uint32:
      return b.readUInt32LE(0);
    case ValueType.Int32:
      return b.readInt32LE(0);
    case ValueType.Float32:
      return b.readFloatLE(0);
    case ValueType.Bool:
      return b.readUInt8(0) !== 0;
    case ValueType.Uint64:
      return b.readBigUInt64LE(0);
    case ValueType.Int64:
      return b.readBigInt64LE(0);
    default:
      return b.readDoubleLE(0);
  }
}

function sizeOf(type: number): number {
  const size = fixedSizes[type];
  if (size === undefined) throw new GgufFormatError(`unknown metadata value type ${type}`);
  return size;
}

/**
 * A scalar from what is buffered, or `notBuffered` when the cursor must read more first.
 * A string that will not be kept is skipped without being decoded.
 */
function scalarNow(cursor: HeaderCursor, type: number, keep = true): GgufValue | typeof notBuffered {
  if (type !== ValueType.String) {
    const size = sizeOf(type);
    return cursor.has(size) ? decodeFixed(type, cursor.take(size)) : notBuffered;
  }
  if (!cursor.has(8)) return notBuffered;
  const length = cursor.peekCount('a string length');
  if (!cursor.has(8 + length)) return notBuffered;
  cursor.take(8);
  const bytes = cursor.take(length);
  return keep ? bytes.toString('utf8') : '';
}

async function readScalar(cursor: HeaderCursor, type: number): Promise<GgufValue> {
  const value = scalarNow(cursor, type);
  if (value !== notBuffered) return value;
  if (type === ValueType.String) return cursor.string();
  const size = sizeOf(type);
  await cursor.need(size);
  return decodeFixed(type, cursor.take(size));
}

async function readValue(cursor: HeaderCursor, type: number, limits: GgufReadLimits): Promise<GgufValue> {
  if (type !== ValueType.Array) return readScalar(cursor, type);
  const itemType = await cursor.uint32();
  // Nested arrays exist in the format but in no model's metadata; refusing them bounds the recursion.
  if (itemType === ValueType.Array) throw new GgufFormatError('nested metadata arrays are not supported');
  const length = await cursor.count('an array length');
  const items: GgufValue[] = [];
  for (let i = 0; i < length; i++) {
    let item = scalarNow(cursor, itemType, i < limits.arrayItemsKeptMax);
    if (item === notBuffered) item = await readScalar(cursor, itemType);
    if (i < limits.arrayItemsKeptMax) items.push(item);
  }
  return { kind: 'array', length, items };
}

async function readTensorInfo(cursor: HeaderCursor): Promise<GgufTensorInfo> {
  const name = await cursor.string();
  const dimCount = await cursor.uint32();
  if (dimCount < 1 || dimCount > dimsMax) throw new GgufFormatError(`tensor "${name}" has ${dimCount} dimensions`);
  const dims: number[] = [];
  for (let d = 0; d < dimCount; d++) dims.push(await cursor.count(`a dimension of tensor "${name}"`));
  const type = await cursor.uint32();
  await cursor.need(8);
  cursor.take(8); // the data offset, which only a loader needs
  return { name, dims, type };
}

/** Reads a GGUF file's metadata and tensor list; throws `GgufFormatError` for what is not a GGUF model. */
export async function readGgufHeader(path: string, limits: GgufReadLimits = ggufReadDefaults): Promise<GgufHeader> {
  const file = await open(path, 'r');
  try {
    const cursor = new HeaderCursor(
      async (buffer, position) => (await file.read(buffer, 0, buffer.length, position)).bytesRead,
      limits.headerBytesMax,
    );
    if ((await cursor.uint32()) !== magic) throw new GgufFormatError('it does not start with the GGUF magic bytes');
    const version = await cursor.uint32();
    if (!supportedVersions.has(version))
      throw new GgufFormatError(`GGUF version ${version} is not supported (2 and 3 are)`);
    const tensorCount = await cursor.count('the tensor count');
    const entryCount = await cursor.count('the metadata entry count');
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < entryCount; i++) {
      const key = await cursor.string();
      metadata.set(key, await readValue(cursor, await cursor.uint32(), limits));
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) tensors.push(await readTensorInfo(cursor));
    return { version, metadata, tensors };
  } finally {
    await file.close();
  }
}
