import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WalSync } from './wal-sync.js';

/** A WAL handle whose syncs finish only when the test says so. */
function controlledWal() {
  const pending: (() => void)[] = [];
  let syncs = 0;
  const handle = {
    sync: () => {
      syncs += 1;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    close: async () => undefined,
  };
  return { open: async () => handle, syncs: () => syncs, finishNext: () => pending.shift()?.() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('callers during a sync in flight share one follow-up sync, which starts only after it', async () => {
  const wal = controlledWal();
  const sync = new WalSync('unused', wal.open);
  let firstDone = false;
  let laterDone = 0;
  const first = sync.sync().then(() => (firstDone = true));
  await settle();
  const later = [sync.sync(), sync.sync(), sync.sync()].map((p) => p.then(() => (laterDone += 1)));
  await settle();
  assert.equal(wal.syncs(), 1, 'the follow-up waits: the sync in flight may predate the later commits');
  wal.finishNext();
  await first;
  await settle();
  assert.equal(firstDone, true);
  assert.equal(laterDone, 0, 'later callers are not covered by the earlier sync');
  assert.equal(wal.syncs(), 2, 'one follow-up sync for all three');
  wal.finishNext();
  await Promise.all(later);
  assert.equal(laterDone, 3);
  await sync.close();
});

test('a failed sync is reported, and the next one tries again', async () => {
  let opens = 0;
  const sync = new WalSync('unused', async () => {
    opens += 1;
    if (opens === 1) throw new Error('ENOENT');
    return { sync: async () => undefined, close: async () => undefined };
  });
  await assert.rejects(sync.sync(), /ENOENT/);
  await sync.sync();
  assert.equal(opens, 2);
  await sync.close();
});

test('a handle whose sync failed is closed and replaced', async () => {
  let opens = 0;
  let closes = 0;
  const sync = new WalSync('unused', async () => {
    opens += 1;
    const failing = opens === 1;
    return {
      sync: async () => {
        if (failing) throw new Error('EIO');
      },
      close: async () => {
        closes += 1;
      },
    };
  });
  await assert.rejects(sync.sync(), /EIO/);
  assert.equal(closes, 1, 'the failed handle is closed');
  await sync.sync();
  assert.equal(opens, 2, 'the next sync opens the file again');
  await sync.close();
  assert.equal(closes, 2);
});
