import { concatBytes, equalBytes, fromBase64, sha256, toBase64, toHex, utf8 } from './bytes';

/** A log's public key, from its verifier key `<name>+<key ID hex>+<base64(0x01 || key)>` (C2SP signed-note). */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array<ArrayBuffer>;
}

export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first < 1 || second < 0) throw new Error('a verifier key reads <name>+<key ID>+<key>');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const encoded = fromBase64(text.slice(second + 1));
  if (encoded.length !== 33 || encoded[0] !== 1) throw new Error('the key is not an Ed25519 key (type 0x01, 32 bytes)');
  const publicKey = encoded.slice(1);
  const keyId = (await sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey))).slice(0, 4);
  if (toHex(keyId) !== idHex)
    throw new Error(`the key ID ${idHex} does not match the key (it should be ${toHex(keyId)})`);
  return { name, keyId, publicKey };
}

/** What a checkpoint note says, once its signature has verified. */
export interface OpenedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

/** Splits a signed note into the signed text and its signature lines, or says why it cannot. */
function splitNote(note: string): { text: string; signatures: string[] } {
  if (utf8(note).length > 16 * 1024) throw new Error('the note is longer than 16 KiB');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new Error('the note holds a control character');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('the note has no signature block');
  const signatures = note.slice(split + 2).split('\n');
  if (signatures.at(-1) === '') signatures.pop();
  return { text: note.slice(0, split + 1), signatures };
}

/** Verifies the note's Ed25519 signatures by `key` (C2SP signed-note); throws naming what failed. */
export async function verifyNoteSignature(note: string, key: VerifierKey): Promise<string> {
  const { text, signatures } = splitNote(note);
  const cryptoKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
  let verified = 0;
  for (const line of signatures) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (match === null) throw new Error(`"${line}" is not a signature line`);
    if (match[1] !== key.name) continue;
    const encoded = match[2]!;
    const bytes = fromBase64(encoded);
    if (bytes.length < 4 || !equalBytes(bytes.slice(0, 4), key.keyId)) continue;
    if (toBase64(bytes) !== encoded) throw new Error('a signature is not in canonical base64');
    if (bytes.length !== 68) throw new Error('an Ed25519 signature is 64 bytes');
    if (!(await crypto.subtle.verify('Ed25519', cryptoKey, bytes.slice(4), utf8(text))))
      throw new Error('the Ed25519 signature does not match the checkpoint text');
    verified++;
  }
  if (verified === 0) throw new Error(`no signature by ${key.name} with key ID ${toHex(key.keyId)}`);
  return text;
}

/** Reads a checkpoint's signed text: origin, tree size, root hash (C2SP tlog-checkpoint). */
export function readCheckpointText(text: string, key: VerifierKey): OpenedCheckpoint {
  const lines = text.split('\n');
  const [origin, sizeText, rootText] = lines;
  if (lines.length < 4 || origin === undefined || sizeText === undefined || rootText === undefined)
    throw new Error('a checkpoint has an origin, a size and a root hash');
  if (origin !== key.name) throw new Error(`the checkpoint is of log "${origin}", not "${key.name}"`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new Error(`"${sizeText}" is not a tree size`);
  const root = fromBase64(rootText);
  if (root.length !== 32 || toBase64(root) !== rootText) throw new Error('the root is not a 32-byte hash');
  return { origin, size: Number(sizeText), root };
}
