import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { type AuditLogFixture, startAuditLogFixture, testFacts } from '../../test/helpers/audit-log-fixture.js';
import { usageInput } from '../../test/helpers/usage-input.js';
import { openReadOnlySqliteStore } from '../store/index.js';
import { CompactRange } from './compact-range.js';
import { hashSizeBytes, leafHash } from './merkle-hash.js';
import { subtreeHashes } from './transparency-log.js';
import { verifyStoredLog } from './verify-stored-log.js';

/*
 * The log in the database is only as trustworthy as the check that rebuilds it. A log
 * of receipts and admin changes is built the way the server builds it; then copies of
 * its database are tampered with, one change each, and every change must be caught.
 */

type Tamper =
  | { kind: 'flip-leaf-bit'; leaf: number; at: number; bit: number }
  | { kind: 'flip-node-bit'; node: number; bit: number }
  | { kind: 'delete-leaf'; leaf: number }
  | { kind: 'swap-leaves'; a: number; b: number }
  | { kind: 'edit-usage'; row: number; field: 'completion_tokens' | 'status' | 'organization_id' | 'site_id' }
  | { kind: 'flip-checkpoint-bit'; at: number; bit: number }
  | { kind: 'delete-node'; node: number }
  | { kind: 'rewrite-leaf-and-tree'; leaf: number }
  | { kind: 'repoint-receipt'; row: number; to: number | null }
  | { kind: 'forge-usage'; row: number };

const tamper: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({
    kind: fc.constant('flip-leaf-bit' as const),
    leaf: fc.nat(),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({ kind: fc.constant('flip-node-bit' as const), node: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete-leaf' as const), leaf: fc.nat() }),
  fc.record({ kind: fc.constant('swap-leaves' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant('edit-usage' as const),
    row: fc.nat(),
    field: fc.constantFrom(
      'completion_tokens' as const,
      'status' as const,
      'organization_id' as const,
      'site_id' as const,
    ),
  }),
  fc.record({ kind: fc.constant('flip-checkpoint-bit' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('delete-node' as const), node: fc.nat() }),
  fc.record({ kind: fc.constant('rewrite-leaf-and-tree' as const), leaf: fc.nat() }),
  fc.record({
    kind: fc.constant('repoint-receipt' as const),
    row: fc.nat(),
    to: fc.option(fc.integer({ min: 1, max: 1_000 })),
  }),
  fc.record({ kind: fc.constant('forge-usage' as const), row: fc.nat() }),
);

/** The columns a forged usage record copies from a real one, its receipt leaf among them. */
const copiedUsageColumns =
  'created_at, organization_id, project_id, api_key_id, model_id, endpoint, deployment_id, site_id, jurisdiction, prompt_tokens, completion_tokens, total_tokens, usage_estimated, first_byte_ms, total_ms, status, outcome, error_code, streamed, policy_version, receipt_leaf';

/** Every stored node as the row that keeps it and its place among that row's hashes. */
function storedNodes(db: BetterSqlite3.Database): { idx: number; at: number; hashes: Buffer }[] {
  const rows = db
    .prepare('select idx, subtree_hashes as hashes from audit_leaves where subtree_hashes is not null order by idx')
    .all() as { idx: number; hashes: Buffer }[];
  return rows.flatMap((row) =>
    Array.from({ length: row.hashes.length / hashSizeBytes }, (_, k) => ({
      idx: row.idx,
      at: k * hashSizeBytes,
      hashes: row.hashes,
    })),
  );
}

function flipChar(text: string, at: number, bit: number): string {
  const i = at % text.length;
  return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);
}

/** Rewrites every node from the leaves as they now are: what a careful forger does after editing a leaf. */
function rehashAll(db: BetterSqlite3.Database): void {
  const range = new CompactRange(0, []);
  const update = db.prepare('update audit_leaves set subtree_hashes = ? where idx = ?');
  for (const row of db.prepare('select idx, entry from audit_leaves order by idx').all() as {
    idx: number;
    entry: string;
  }[]) {
    update.run(subtreeHashes(range.append(leafHash(Buffer.from(row.entry, 'utf8')))), row.idx);
  }
}

function apply(db: BetterSqlite3.Database, t: Tamper, leaves: number, nodes: number): void {
  const nodeAt = (n: number) => storedNodes(db)[n % nodes]!;
  const setHashes = db.prepare('update audit_leaves set subtree_hashes = ? where idx = ?');
  switch (t.kind) {
    case 'flip-leaf-bit':
    case 'rewrite-leaf-and-tree': {
      const idx = t.leaf % leaves;
      const { entry } = db.prepare('select entry from audit_leaves where idx = ?').get(idx) as { entry: string };
      const changed =
        t.kind === 'flip-leaf-bit'
          ? flipChar(entry, t.at, t.bit)
          : entry.replace('"promptTokens":10', '"promptTokens":1').replace('"action":"', '"action":"x');
      db.prepare('update audit_leaves set entry = ? where idx = ?').run(changed, idx);
      if (t.kind === 'rewrite-leaf-and-tree') rehashAll(db);
      return;
    }
    case 'flip-node-bit': {
      const node = nodeAt(t.node);
      node.hashes[node.at + Math.floor(t.bit / 8)]! ^= 1 << (t.bit % 8);
      setHashes.run(node.hashes, node.idx);
      return;
    }
    case 'delete-node': {
      const node = nodeAt(t.node);
      const rest = Buffer.concat([node.hashes.subarray(0, node.at), node.hashes.subarray(node.at + hashSizeBytes)]);
      setHashes.run(rest.length === 0 ? null : rest, node.idx);
      return;
    }
    case 'delete-leaf':
      db.prepare('delete from audit_leaves where idx = ?').run(t.leaf % leaves);
      return;
    case 'swap-leaves': {
      const a = t.a % leaves;
      const b = (a + 1 + (t.b % (leaves - 1))) % leaves;
      db.prepare('update audit_leaves set idx = -1 where idx = ?').run(a);
      db.prepare('update audit_leaves set idx = ? where idx = ?').run(a, b);
      db.prepare('update audit_leaves set idx = ? where idx = -1').run(b);
      return;
    }
    case 'edit-usage': {
      const { id } = db.prepare('select id from usage_records order by seq limit 1 offset ?').get(t.row % 40) as {
        id: string;
      };
      const value = { completion_tokens: 35, status: 500, organization_id: 'org_b', site_id: 'par-1' }[t.field];
      db.prepare(`update usage_records set ${t.field} = ? where id = ?`).run(value, id);
      return;
    }
    case 'repoint-receipt': {
      const { id, leaf } = db
        .prepare('select id, receipt_leaf as leaf from usage_records order by seq limit 1 offset ?')
        .get(t.row % 40) as { id: string; leaf: number };
      db.prepare('update usage_records set receipt_leaf = ? where id = ?').run(
        t.to === null ? null : (leaf + 1 + (t.to % (leaves - 1))) % leaves,
        id,
      );
      return;
    }
    case 'forge-usage': {
      // A record billed behind the log's back, claiming a real receipt's leaf as its own.
      db.prepare(
        `insert into usage_records (id, ${copiedUsageColumns}) select 'req_forged', ${copiedUsageColumns} from usage_records order by seq limit 1 offset ?`,
      ).run(t.row % 40);
      return;
    }
    case 'flip-checkpoint-bit': {
      const rows = db.prepare('select tree_size, note from audit_checkpoints order by tree_size').all() as {
        tree_size: number;
        note: string;
      }[];
      const row = rows[t.at % rows.length]!;
      db.prepare('update audit_checkpoints set note = ? where tree_size = ?').run(
        flipChar(row.note, t.at, t.bit),
        row.tree_size,
      );
      return;
    }
  }
}

describe('verifyStoredLog', () => {
  let fixture: AuditLogFixture;
  let leaves: number;
  let nodes: number;

  before(async () => {
    fixture = await startAuditLogFixture();
    for (let i = 0; i < 40; i += 1) {
      // Concurrent requests, so that receipts share transactions as they do in the server.
      await Promise.all(
        Array.from({ length: i % 4 === 0 ? 4 : 1 }, (_, j) =>
          fixture.recorder.recordUsage(usageInput(`req_${i}_${j}`), testFacts),
        ),
      );
      if (i % 7 === 0) {
        await fixture.writer.submit((tx) =>
          fixture.adminChanges.appendAdminChange(tx, {
            actor: { kind: 'operator' },
            action: 'update',
            resource: 'site',
            resourceId: 'fra-1',
            organizationId: null,
            before: { id: 'fra-1', n: i },
            after: { id: 'fra-1', n: i + 1 },
          }),
        );
        await fixture.checkpoints.publish();
      }
    }
    await fixture.checkpoints.publish();
    leaves = await fixture.log.size();
    const db = new BetterSqlite3(fixture.path, { readonly: true });
    nodes = storedNodes(db).length;
    db.close();
  });
  after(async () => fixture.dispose());

  it('finds nothing wrong with the log as written, whose latest checkpoint covers every leaf', async () => {
    const report = await verifyStoredLog(fixture.store, fixture.signer.key);
    assert.deepEqual(report.problems, []);
    assert.equal(report.leaves, leaves);
    assert.equal(report.receipts + report.adminChanges, leaves);
    assert.equal(report.adminChanges, 6);
    assert.equal(report.latestCheckpoint?.size, leaves);
    assert.ok(report.checkpoints >= 6);
    assert.equal(report.root, (await fixture.log.rootAt(leaves)).toString('base64'));
  });

  it('catches any single tampering: a flipped bit, a deletion, a reordering, an edited row, a rewritten tree, a forged record', async () => {
    let copies = 0;
    await fc.assert(
      fc.asyncProperty(tamper, async (t) => {
        const copy = join(fixture.dir, `tampered-${copies++}.sqlite`);
        const source = new BetterSqlite3(fixture.path, { readonly: true });
        source.exec(`vacuum into '${copy}'`);
        source.close();
        const db = new BetterSqlite3(copy);
        apply(db, t, leaves, nodes);
        db.close();
        const store = openReadOnlySqliteStore(copy);
        try {
          const report = await verifyStoredLog(store, fixture.signer.key);
          assert.ok(report.problems.length > 0, `undetected: ${JSON.stringify(t)}`);
        } finally {
          await store.close();
          rmSync(copy, { force: true });
        }
      }),
      { numRuns: 120 },
    );
  });

  it('holds the log to a checkpoint kept elsewhere even after the stored checkpoints are rewritten', async () => {
    const kept = (await fixture.checkpoints.latest())!.note;
    const copy = join(fixture.dir, 'forged.sqlite');
    const source = new BetterSqlite3(fixture.path, { readonly: true });
    source.exec(`vacuum into '${copy}'`);
    source.close();
    const db = new BetterSqlite3(copy);
    apply(db, { kind: 'rewrite-leaf-and-tree', leaf: 3 }, leaves, nodes);
    // A forger with the server's database but not a witness's copy deletes the checkpoints that give it away.
    db.prepare('delete from audit_checkpoints').run();
    db.close();
    const store = openReadOnlySqliteStore(copy);
    try {
      const report = await verifyStoredLog(store, fixture.signer.key, { trustedCheckpoints: [kept] });
      assert.ok(
        report.problems.some((p) => p.includes('trusted checkpoint 1')),
        report.problems.join('\n'),
      );
    } finally {
      await store.close();
    }
  });
});
