import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkpointText, openCheckpoint, parseCheckpointText } from './checkpoint.js';
import { LogSigner } from './log-signer.js';
import { formatVerifierKey, NoteError, noteKey, openNote, parseVerifierKey, signNote } from './signed-note.js';

// The known-answer test of the Go signed-note implementation (golang.org/x/mod/sumdb/note), as data.
const goVerifierKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const goSignerSeed = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const goNote = `${goText}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes', () => {
  it('opens the Go known-answer note and signs it byte for byte the same', () => {
    const key = parseVerifierKey(goVerifierKey);
    assert.equal(formatVerifierKey(key), goVerifierKey);
    assert.equal(openNote(goNote, key), goText);
    const seed = Buffer.from(goSignerSeed, 'base64').subarray(1);
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: key.publicKey.toString('base64url') },
      format: 'jwk',
    });
    assert.equal(signNote(goText, key, privateKey), goNote);
  });

  it('refuses an altered text, a forged signature and a note signed only by others', () => {
    const key = parseVerifierKey(goVerifierKey);
    assert.throws(() => openNote(goNote.replace('answer', 'answers'), key), NoteError);
    assert.throws(() => openNote(goNote.replace('x08go', 'x08gp'), key), NoteError);
    const other = generateKeyPairSync('ed25519');
    const signer = new LogSigner('PeterNeumann', other.privateKey, other.publicKey);
    assert.throws(() => openNote(signNote(goText, signer.key, other.privateKey), key), /no signature of PeterNeumann/);
    assert.throws(() => openNote(goText, key), NoteError);
    assert.throws(() => openNote(`${goText}\n\u2014 PeterNeumann\n`, key), /malformed/);
    // The same signature bytes with an unused bit of the last base64 character set: one signature, two texts.
    const lastSignatureCharacter = goNote.length - 3;
    const padded =
      goNote.slice(0, lastSignatureCharacter) +
      String.fromCharCode(goNote.charCodeAt(lastSignatureCharacter) + 1) +
      goNote.slice(lastSignatureCharacter + 1);
    assert.ok(
      Buffer.from(padded.split(' ').at(-1)!, 'base64').equals(Buffer.from(goNote.split(' ').at(-1)!, 'base64')),
      'the two encodings decode alike',
    );
    assert.throws(() => openNote(padded, key), /not in canonical base64/);
    assert.throws(() => noteKey('has space', key.publicKey), NoteError);
    assert.throws(() => parseVerifierKey(goVerifierKey.replace('c74f20a3', 'c74f20a4')), NoteError);
    // A key whose base64 holds a "+" (from transparency-dev/formats' tests) parses whole.
    assert.equal(
      formatVerifierKey(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')),
      'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6',
    );
  });
});

describe('checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new LogSigner('example.gov/commonweal/log', privateKey, publicKey);
  const root = Buffer.alloc(32, 7);

  it('are the three C2SP lines, signed under the origin, and open with the verifier key alone', () => {
    const note = signer.signCheckpoint(42, root);
    assert.ok(
      note.startsWith(
        `example.gov/commonweal/log\n42\n${root.toString('base64')}\n\n\u2014 example.gov/commonweal/log `,
      ),
    );
    const opened = openCheckpoint(note, parseVerifierKey(signer.verifierKey));
    assert.deepEqual(opened, { origin: 'example.gov/commonweal/log', size: 42, root });
    assert.equal(checkpointText(opened), note.slice(0, note.indexOf('\n\n') + 1));
  });

  it('refuse a malformed size or root, and a checkpoint of another origin signed by the same key', () => {
    assert.throws(() => parseCheckpointText('o\n042\nAAAA\n'), NoteError);
    assert.throws(() => parseCheckpointText(`o\n1\n${Buffer.alloc(31).toString('base64')}\n`), NoteError);
    assert.deepEqual(parseCheckpointText(`o\n0\n${root.toString('base64')}\nextension\n`).size, 0);
    const impostor = new LogSigner('other.example/log', privateKey, publicKey);
    const key = { ...impostor.key, name: 'example.gov/commonweal/log' };
    assert.throws(() => openCheckpoint(impostor.signCheckpoint(1, root), key), NoteError);
  });
});
