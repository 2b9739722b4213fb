import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import {
  defaultLogOrigin,
  ed25519PublicKeyBytes,
  formatVerifierKey,
  LogWitness,
  logKeyPath,
  type NoteKey,
  noteKey,
  parseVerifierKey,
  verifyReceiptBundle,
  verifyStoredLog,
  type WitnessState,
} from '../audit/index.js';
import { loadServerConfig } from '../config/index.js';
import { readAuditPublicKey, secretsDirOf } from '../secrets/index.js';
import { openPostgresStore, openReadOnlySqliteStore, type Store } from '../store/index.js';
import { CliError } from './admin-http-client.js';
import { parseInteger } from './option-parsers.js';

/** The log's key from `--log-key`: a verifier key (`name+id+key`), or a file holding one or the log-key JSON document. */
function loadLogKey(value: string): NoteKey {
  let text = value;
  if (existsSync(value)) text = readFileSync(value, 'utf8');
  try {
    const trimmed = text.trim();
    const verifierKey = trimmed.startsWith('{')
      ? (JSON.parse(trimmed) as { verifierKey?: unknown }).verifierKey
      : trimmed;
    if (typeof verifierKey !== 'string') throw new Error('no verifierKey field');
    return parseVerifierKey(verifierKey);
  } catch (error) {
    throw new CliError(
      `--log-key: not a verifier key, nor a file holding one (${(error as Error).message}); get it from ${logKeyPath}`,
    );
  }
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
}

/** The key the data directory's server signs with (from its secrets directory), under the origin it signs as. */
function dataDirLogKey(secretsDir: string, origin: string | undefined): NoteKey {
  let publicKey;
  try {
    publicKey = readAuditPublicKey(secretsDir);
  } catch (error) {
    throw new CliError(`no log key in ${secretsDir}: ${(error as Error).message} (pass --log-key)`);
  }
  return noteKey(origin ?? defaultLogOrigin(publicKey), ed25519PublicKeyBytes(publicKey));
}

/** The store of a data directory: its SQLite file read-only, or the PostgreSQL database the configuration names. */
async function openForVerification(options: {
  dataDir?: string;
  config?: string;
  logKey?: string;
}): Promise<{ store: Store; key: NoteKey }> {
  const config = loadServerConfig({ configFile: options.config, dataDir: options.dataDir });
  const key =
    options.logKey === undefined
      ? dataDirLogKey(secretsDirOf(config), config.audit.origin)
      : loadLogKey(options.logKey);
  const sqlitePath = join(config.dataDir, 'commonweal.sqlite');
  if (config.database.url !== undefined)
    return { store: await openPostgresStore(config.database.url, { connectionsMax: 2 }), key };
  if (!existsSync(sqlitePath)) throw new CliError(`no database at ${sqlitePath} (--data-dir)`);
  return { store: openReadOnlySqliteStore(sqlitePath), key };
}

function verifyCommand(): Command {
  return new Command('verify')
    .description(
      "check the whole transparency log against the database and its signed checkpoints, from the data directory's database",
    )
    .option('--data-dir <dir>', 'the server data directory (env COMMONWEAL_DATA_DIR; default ./.commonweal)')
    .option(
      '--config <file>',
      'the server config file, for a PostgreSQL database or an audit.origin (env COMMONWEAL_CONFIG)',
    )
    .option(
      '--log-key <key or file>',
      'the log verifier key to trust instead of the one derived from the data directory',
    )
    .option(
      '--checkpoint <file...>',
      'signed checkpoints kept elsewhere (by a witness, an auditor) that the log must still contain',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nReads the SQLite file read-only, so it may run beside a live server; with COMMONWEAL_DATABASE_URL it reads\n' +
        'that PostgreSQL database in one snapshot. Exits 1 when any leaf, node, checkpoint or receipt fails.',
    )
    .action(async (options) => {
      const { store, key } = await openForVerification(options);
      const trustedCheckpoints = ((options.checkpoint ?? []) as string[]).map((path) => readFileSync(path, 'utf8'));
      try {
        const report = await verifyStoredLog(store, key, { trustedCheckpoints });
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(
            `log ${key.name}: ${report.leaves} leaves (${report.receipts} receipts, ${report.adminChanges} admin changes), ${report.checkpoints} checkpoints`,
          );
          console.log(
            `latest checkpoint: ${report.latestCheckpoint === undefined ? 'none' : `size ${report.latestCheckpoint.size}`}; root of all leaves ${report.root}`,
          );
          for (const problem of report.problems) console.log(`FAIL ${problem}`);
        }
        if (report.problems.length > 0)
          throw new CliError(`the transparency log failed verification (${report.problems.length} problems)`);
        if (!options.json)
          console.log('OK: every leaf, node and checkpoint verifies, and every receipt matches its usage record');
      } finally {
        await store.close();
      }
    });
}

function verifyReceiptCommand(): Command {
  return new Command('verify-receipt')
    .description('verify a receipt bundle (from GET /v1/receipts/{id}) offline, with only the log public key')
    .argument('<file>', 'the receipt bundle JSON')
    .requiredOption(
      '--log-key <key or file>',
      `the log verifier key, or a file with it or with the ${logKeyPath} document`,
    )
    .option('--json', 'print the verified receipt as JSON')
    .action((file: string, options) => {
      const key = loadLogKey(options.logKey);
      let verified;
      try {
        verified = verifyReceiptBundle(readJsonFile(file), key);
      } catch (error) {
        throw new CliError(`receipt does not verify: ${(error as Error).message}`);
      }
      if (options.json) console.log(JSON.stringify(verified.receipt, null, 2));
      else {
        const r = verified.receipt;
        console.log(
          `OK: receipt ${r.id} is leaf ${verified.leafIndex} of log ${verified.checkpoint.origin} at size ${verified.checkpoint.size}`,
        );
        console.log(
          `${r.createdAt} ${r.organizationId}/${r.projectId} ${r.modelId} at ${r.siteId ?? '-'} (${r.jurisdiction ?? '-'}) status ${r.status} ${r.outcome}`,
        );
      }
    });
}

/** The witness's file: the last accepted checkpoint and the key it was checked with, pinned from the first run on. */
interface WitnessFile extends WitnessState {
  readonly verifierKey: string;
}

function readState(path: string): WitnessFile | undefined {
  if (!existsSync(path)) return undefined;
  const state = readJsonFile(path) as Partial<WitnessFile>;
  if (typeof state.checkpoint !== 'string' || typeof state.verifierKey !== 'string')
    throw new CliError(`${path} is not a witness state file`);
  return { checkpoint: state.checkpoint, verifierKey: state.verifierKey };
}

/** Written whole and renamed into place, so a crash never leaves a witness with half a state. */
function writeState(path: string, state: WitnessFile): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

async function logKeyFrom(url: string, given: string | undefined, pinned: string | undefined): Promise<NoteKey> {
  if (given !== undefined) return loadLogKey(given);
  if (pinned !== undefined) return loadLogKey(pinned);
  const response = await fetch(`${url}${logKeyPath}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new CliError(`cannot fetch the log key from ${url}: ${response.status}`);
  const { verifierKey } = (await response.json()) as { verifierKey?: string };
  console.log(`trusting the log key the server names: ${verifierKey} (pass --log-key to pin it)`);
  return loadLogKey(String(verifierKey));
}

function watchCommand(): Command {
  return new Command('watch')
    .description("act as a witness: keep the log's last checkpoint and prove every new one consistent with it")
    .argument('<url>', 'the server, e.g. https://ai.example.gov')
    .option('--log-key <key or file>', `the log verifier key to pin (default: the server's ${logKeyPath})`)
    .option('--state <file>', 'where the last accepted checkpoint is kept between runs', 'commonweal-witness.json')
    .option('--interval <ms>', 'time between looks', parseInteger, 10_000)
    .option('--count <n>', 'stop after this many looks (default: until interrupted)', parseInteger)
    .action(async (url: string, options) => {
      const baseUrl = url.replace(/\/+$/, '');
      const key = await logKeyFrom(baseUrl, options.logKey, readState(options.state)?.verifierKey);
      const witness = new LogWitness({ baseUrl, key, timeoutMs: 10_000 });
      const looks = options.count ?? Number.MAX_SAFE_INTEGER;
      for (let look = 1; look <= looks; look += 1) {
        let result;
        try {
          result = await witness.observe(readState(options.state));
        } catch (error) {
          throw new CliError(`ALERT ${(error as Error).message}`);
        }
        const { previous, current, grew } = result.observation;
        writeState(options.state, { ...result.state, verifierKey: formatVerifierKey(key) });
        const since =
          previous === undefined
            ? 'first checkpoint seen'
            : grew
              ? `consistent with size ${previous.size}`
              : 'unchanged';
        console.log(
          `${new Date().toISOString()} size ${current.size} root ${current.root.toString('base64')}: ${since}`,
        );
        if (look < looks) await sleep(options.interval);
      }
    });
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('verify the transparency log: the whole log, one receipt offline, or as a witness over time')
    .addCommand(verifyCommand())
    .addCommand(verifyReceiptCommand())
    .addCommand(watchCommand());
}
