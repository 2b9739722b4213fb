import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/*
 * Signed notes as C2SP specifies them (c2sp.org/signed-note), with Ed25519 keys: a text
 * ending in a newline, a blank line, then lines `— <key name> base64(key ID || signature)`.
 */

/** The signature type byte of Ed25519 in signed notes. */
const ed25519Type = 0x01;
const signaturePrefix = '\u2014 ';
/** A checkpoint note is a few hundred bytes; this bounds what a verifier reads. */
export const noteSizeBytesMax = 16 * 1024;
const signaturesMax = 16;
const keyName = /^[^\s+]+$/;

/** A failure to open a note: malformed, or not signed by the expected key. */
export class NoteError extends Error {
  override readonly name = 'NoteError';
}

/** The key that signs, or whose signature is checked, with the name it signs under. */
export interface NoteKey {
  readonly name: string;
  /** The 32-byte Ed25519 public key as RFC 8032 encodes it. */
  readonly publicKey: Buffer;
  /** SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  readonly keyId: Buffer;
}

export function ed25519PublicKeyBytes(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('the log key must be an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

export function noteKey(name: string, publicKey: Buffer): NoteKey {
  if (!keyName.test(name))
    throw new NoteError(`a key name must be non-empty and hold no space or "+": ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new NoteError('an Ed25519 public key has 32 bytes');
  const keyId = createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, ed25519Type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
  return { name, publicKey, keyId };
}

/** The verifier key string of the Go note package and C2SP tooling: `<name>+<key ID hex>+base64(0x01 || key)`. */
export function formatVerifierKey(key: NoteKey): string {
  return `${key.name}+${key.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ed25519Type]), key.publicKey]).toString('base64')}`;
}

export function parseVerifierKey(text: string): NoteKey {
  // The base64 key may itself hold "+", so only the first two separate fields.
  const match = /^([^\s+]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (match === null) throw new NoteError('a verifier key has the form <name>+<key id hex>+<base64 key>');
  const [, name, idHex, keyBase64] = match as unknown as [string, string, string, string];
  const raw = Buffer.from(keyBase64, 'base64');
  if (raw.length !== 33 || raw[0] !== ed25519Type) throw new NoteError('the verifier key is not an Ed25519 key');
  const key = noteKey(name, raw.subarray(1));
  if (key.keyId.toString('hex') !== idHex.toLowerCase())
    throw new NoteError('the verifier key id does not match its name and key');
  return key;
}

/** Signs `text` (which must end in a newline) and returns the whole note. */
export function signNote(text: string, key: NoteKey, privateKey: KeyObject): string {
  checkText(text);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n${signaturePrefix}${key.name} ${Buffer.concat([key.keyId, signature]).toString('base64')}\n`;
}

/** Returns the text of `note` once a signature by `key` verifies; signatures of other keys are ignored. */
export function openNote(note: string, key: NoteKey): string {
  if (Buffer.byteLength(note, 'utf8') > noteSizeBytesMax)
    throw new NoteError(`the note is larger than ${noteSizeBytesMax} bytes`);
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('the note has no signature block');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > signaturesMax) throw new NoteError(`the note has more than ${signaturesMax} signatures`);
  let verified = false;
  for (const line of lines) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (match === null) throw new NoteError(`malformed signature line: ${JSON.stringify(line.slice(0, 120))}`);
    const blob = Buffer.from(match[2]!, 'base64');
    if (match[1] !== key.name || blob.length < 4 || !blob.subarray(0, 4).equals(key.keyId)) continue;
    // Base64 ignores the unused low bits of its last character; accepting them set would give one signed checkpoint many texts.
    if (blob.toString('base64') !== match[2])
      throw new NoteError(`the signature of ${key.name} is not in canonical base64`);
    // A signature from our key that fails rejects the whole note, as the specification asks.
    if (!verify(null, Buffer.from(text, 'utf8'), publicKeyObject(key), blob.subarray(4)))
      throw new NoteError(`the signature of ${key.name} does not verify`);
    verified = true;
  }
  if (!verified)
    throw new NoteError(`the note carries no signature of ${key.name} (key id ${key.keyId.toString('hex')})`);
  return text;
}

function publicKeyObject(key: NoteKey): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') },
    format: 'jwk',
  });
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('a note text ends with a newline');
  // The specification forbids every ASCII control character but the newline.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this check's purpose.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text))
    throw new NoteError('a note may hold no control character but newline');
}
