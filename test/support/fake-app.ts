/**
 * Stands in for the application the Docker entrypoint starts (`node server.js` in the image).
 * Prints one line, `APP_STARTED {json}`, with its PID, its parent's PID and the tables it finds
 * in DATABASE_URL at start. Given a marker file, it then runs until SIGTERM, writes "SIGTERM"
 * to the marker and exits 0, as a well-behaved server does.
 *
 *   node --import tsx test/support/fake-app.ts [marker-file]
 */
import { existsSync, writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const markerFile = process.argv[2];

async function listTables(url: string | undefined): Promise<string[]> {
  if (!url) return [];
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length);
    if (!existsSync(file)) return [];
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema='public' AND table_type='BASE TABLE' ORDER BY table_name");
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

const tables = await listTables(process.env.DATABASE_URL);
if (markerFile) {
  process.on('SIGTERM', () => {
    writeFileSync(markerFile, 'SIGTERM');
    process.exit(0);
  });
  setInterval(() => {}, 60_000);
}
// Printed after the handler is in place, so a test that waits for this line may signal at once.
console.log(`APP_STARTED ${JSON.stringify({ pid: process.pid, ppid: process.ppid, tables })}`);
