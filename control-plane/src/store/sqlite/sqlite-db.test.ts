import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SqliteDb } from './sqlite-db.js';

const open = () =>
  new SqliteDb(join(mkdtempSync(join(tmpdir(), 'sqlite-db-')), 'db.sqlite'), [
    'CREATE TABLE notes (text TEXT NOT NULL)',
  ]);

describe('SqliteDb', () => {
  it('keeps a write from outside a transaction out of it: the rollback does not take it along', async () => {
    const db = open();
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO notes (text) VALUES (?)', ['inside']);
      await sleep(20);
      throw new Error('the work failed');
    });
    // Issued while the transaction waits: on one connection it would run inside it.
    const outside = db.run('INSERT INTO notes (text) VALUES (?)', ['outside']);
    await expect(failing).rejects.toThrow('the work failed');
    expect(await outside).toBe(1);
    expect(await db.all('SELECT text FROM notes')).toEqual([{ text: 'outside' }]);
    await db.close();
  });
});
