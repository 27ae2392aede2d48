import type { SqlRunner } from './database.ts';

interface HolderRow extends Record<string, unknown> {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
  state: string | null;
  running_seconds: number | null;
  query: string | null;
}

/** How much of the holder's current statement a report quotes. */
const QUERY_PREVIEW = 120;

/**
 * Who holds an advisory lock taken with the two-int form `pg_advisory_lock(a, b)` (pg_locks shows
 * it as classid = a, objid = b, objsubid = 2): pid, application, client address, since when and
 * what it runs, for the messages of a deploy that waits. pg_locks has no acquisition time; the
 * session's start stands in for it, since a deploy takes the lock right after connecting.
 */
export async function describeLockHolders(db: SqlRunner, keys: [number, number]): Promise<string> {
  const rows = await db.query<HolderRow>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start, a.state,
            EXTRACT(EPOCH FROM now() - a.query_start)::int AS running_seconds, a.query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 2`,
    keys,
  );
  if (rows.length === 0) return 'a session that has just released it';
  return rows.map(describe).join('; ');
}

function describe(row: HolderRow): string {
  const parts = [
    `application "${row.application_name || '(none)'}"`,
    `client ${row.client_addr ?? 'local socket'}`,
    row.backend_start ? `connected since ${row.backend_start.toISOString()}` : undefined,
    row.state === 'active' && row.query ? `running for ${row.running_seconds ?? 0} s: ${preview(row.query)}` : row.state ? `state ${row.state}` : undefined,
  ];
  return `pid ${row.pid} (${parts.filter(Boolean).join(', ')})`;
}

function preview(query: string): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  return oneLine.length > QUERY_PREVIEW ? `${oneLine.slice(0, QUERY_PREVIEW)}…` : oneLine;
}
