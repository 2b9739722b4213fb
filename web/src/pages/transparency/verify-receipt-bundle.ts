import { fromBase64, toBase64, toHex, utf8 } from './bytes';
import { canonicalJson } from './canonical-json';
import { leafHash, rootFromInclusionPath, verifyConsistency } from './merkle-proof';
import {
  type OpenedCheckpoint,
  parseVerifierKey,
  readCheckpointText,
  type VerifierKey,
  verifyNoteSignature,
} from './signed-note';

export type StepStatus = 'passed' | 'failed' | 'not checked';

export interface VerificationStep {
  readonly title: string;
  readonly status: StepStatus;
  readonly detail: string;
}

/** Where the checks get what the bundle does not carry; every answer is verified, none trusted. */
export interface LogSource {
  verifierKey(): Promise<string>;
  latestCheckpoint(): Promise<string>;
  consistencyProof(from: number, to: number): Promise<string[]>;
}

interface Bundle {
  readonly receipt: Record<string, unknown>;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly inclusionProof: readonly string[];
  readonly checkpoint: string;
}

function readBundle(text: string): Bundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  const bundle = value as Partial<Record<keyof Bundle | 'object' | 'version', unknown>>;
  if (bundle.object !== 'receipt_bundle' || bundle.version !== 1)
    throw new Error('not a receipt bundle of version 1 (object "receipt_bundle", version 1)');
  const receipt = bundle.receipt as Record<string, unknown> | undefined;
  if (typeof receipt !== 'object' || receipt === null || receipt.type !== 'commonweal.receipt' || receipt.version !== 1)
    throw new Error('its receipt is not a commonweal.receipt of version 1');
  if (!Number.isSafeInteger(bundle.leafIndex) || !Number.isSafeInteger(bundle.treeSize))
    throw new Error('leafIndex and treeSize must be integers');
  const proof = bundle.inclusionProof;
  if (!Array.isArray(proof) || !proof.every((h) => typeof h === 'string'))
    throw new Error('inclusionProof must be a list of base64 hashes');
  if (typeof bundle.checkpoint !== 'string') throw new Error('checkpoint must be the signed note');
  return bundle as Bundle;
}

const hashesOf = (encoded: readonly string[]) =>
  encoded.map((h) => {
    const bytes = fromBase64(h);
    if (bytes.length !== 32) throw new Error(`"${h}" is not a 32-byte hash`);
    return bytes;
  });

/**
 * Checks a receipt bundle step by step, as docs/transparency-log.md §5 says, with code of
 * the console's own (WebCrypto for SHA-256 and Ed25519), independent of the server's
 * verifier. The first step that fails stops the checks; the ones after it are listed as
 * not checked, so a changed byte shows exactly where the proof breaks.
 */
export async function verifyReceiptBundle(
  bundleText: string,
  pinnedKey: string | undefined,
  log: LogSource,
): Promise<VerificationStep[]> {
  let bundle!: Bundle;
  let key!: VerifierKey;
  let signedText!: string;
  let checkpoint!: OpenedCheckpoint;
  let hash!: Uint8Array;
  const steps: [string, () => Promise<string>][] = [
    [
      'Read the receipt bundle',
      async () => {
        bundle = readBundle(bundleText);
        return `receipt ${String(bundle.receipt.id)}: leaf ${bundle.leafIndex} of a tree of ${bundle.treeSize} leaves`;
      },
    ],
    [
      "Get the log's public key",
      async () => {
        const source = pinnedKey === undefined ? 'published by this server' : 'the key you gave';
        key = await parseVerifierKey(pinnedKey ?? (await log.verifierKey()));
        return `${key.name}, key ID ${toHex(key.keyId)} (${source})`;
      },
    ],
    [
      "Check the checkpoint's Ed25519 signature",
      async () => {
        signedText = await verifyNoteSignature(bundle.checkpoint, key);
        return `signed by ${key.name}`;
      },
    ],
    [
      'Read the signed checkpoint',
      async () => {
        checkpoint = readCheckpointText(signedText, key);
        if (checkpoint.size !== bundle.treeSize)
          throw new Error(`it covers ${checkpoint.size} leaves, the bundle says ${bundle.treeSize}`);
        return `a tree of ${checkpoint.size} leaves with root ${toBase64(checkpoint.root)}`;
      },
    ],
    [
      'Hash the receipt',
      async () => {
        hash = await leafHash(utf8(canonicalJson(bundle.receipt)));
        return `SHA-256(0x00 ‖ canonical JSON) = ${toHex(hash)}`;
      },
    ],
    [
      'Walk the Merkle path up to the root',
      async () => {
        const root = await rootFromInclusionPath(
          bundle.leafIndex,
          bundle.treeSize,
          hash,
          hashesOf(bundle.inclusionProof),
        );
        if (typeof root === 'string') throw new Error(root);
        if (toBase64(root) !== toBase64(checkpoint.root))
          throw new Error(
            `the path leads to ${toBase64(root)}, not to the signed root ${toBase64(checkpoint.root)}: ` +
              'the receipt, its index or its path is not what the log holds',
          );
        return `${bundle.inclusionProof.length} hashes lead to the signed root`;
      },
    ],
    [
      "Check that today's log still holds that tree",
      async () => {
        const latestNote = await log.latestCheckpoint();
        const latestText = await verifyNoteSignature(latestNote, key);
        const latest = readCheckpointText(latestText, key);
        const proof = await log.consistencyProof(checkpoint.size, latest.size);
        if (!(await verifyConsistency(checkpoint.size, latest.size, hashesOf(proof), checkpoint.root, latest.root)))
          throw new Error(`the log's signed tree of ${latest.size} leaves does not extend the receipt's tree`);
        return `the signed tree of ${latest.size} leaves extends it (consistency proof of ${proof.length} hashes)`;
      },
    ],
  ];
  const results: VerificationStep[] = [];
  for (const [title, run] of steps) {
    if (results.some((step) => step.status !== 'passed')) {
      results.push({ title, status: 'not checked', detail: 'an earlier step failed' });
      continue;
    }
    try {
      results.push({ title, status: 'passed', detail: await run() });
    } catch (error) {
      results.push({ title, status: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
