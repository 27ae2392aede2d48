import type { Database } from '../database/database.ts';
import type { PlannedStatement } from '../sql/migration-plan.ts';
import { sqlDialectFor } from '../sql/sql-dialects.ts';

/**
 * When a failed statement creates a table or enum that the database already holds, the usual
 * fix (correct the SQL) is wrong: the database most likely holds the plugin's objects from
 * before the orchestrator managed it. Returns the fix that says so (baseline, or drift), else
 * undefined. Read from the plan and the live catalog, never from the error's text.
 */
export async function alreadyExistsFix(db: Database, plugin: string, statement: PlannedStatement | undefined): Promise<string | undefined> {
  if (!statement || !statement.kind.startsWith('CREATE')) return undefined;
  const created = statement.touches.filter((touched) => touched.use === 'write' && (touched.kind === 'table' || touched.kind === 'enum'));
  if (created.length === 0) return undefined;
  const key = (name: string) => sqlDialectFor(db.provider).nameKey(name);
  const live = new Set([...(await db.listTables()), ...(await db.listEnums())].map(key));
  const existing = created.find((touched) => live.has(key(touched.name)));
  if (!existing) return undefined;
  return `The ${existing.kind} "${existing.name}" already exists in the database. If it holds plugin "${plugin}"'s objects from before (made by hand, by prisma db push or another tool), adopt them: "orchestrator baseline ${plugin}" checks that they match the plugin's migrations and records those as applied without running them. "orchestrator drift ${plugin}" shows how they differ. If the ${existing.kind} is not the plugin's, rename one of them (@@map).`;
}
