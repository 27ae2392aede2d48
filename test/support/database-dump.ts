import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './test-databases.ts';

/**
 * Everything a refused deploy must leave unchanged, as one comparable value. SQLite: the file's
 * bytes (and its journal's). PostgreSQL: the catalog of the public schema (tables, columns,
 * indexes, types) and every row of every table.
 */
export async function dumpDatabase(db: TestDatabase): Promise<string> {
  if (db.provider === 'sqlite') {
    const file = fileURLToPath(new URL(db.url.replace(/^file:/, 'file://')));
    return [file, `${file}-journal`, `${file}-wal`].map((f) => (existsSync(f) ? readFileSync(f).toString('base64') : '-')).join('|');
  }
  const catalog = await db.query(
    `SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
      WHERE n.nspname = 'public' ORDER BY 1, 3`,
  );
  const types = await db.query(`SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY 1, e.enumsortorder`);
  const rows: Record<string, unknown> = {};
  for (const { name } of await db.query<{ name: string }>(`SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r' ORDER BY 1`)) {
    rows[name] = await db.query(`SELECT * FROM "${name}" ORDER BY 1`);
  }
  return JSON.stringify({ catalog, types, rows });
}
