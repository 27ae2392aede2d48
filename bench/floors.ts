import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../orchestrator/config/provider.ts';
import { historyTableSql } from '../orchestrator/database/history-store.ts';
import { historyTableName } from '../orchestrator/plugins/plugin.ts';
import type { TempProject } from '../test/support/temp-project.ts';
import type { TestDatabase } from '../test/support/test-databases.ts';
import { runNative, type ProcessRun } from './measure-process.ts';

/**
 * The floors: the database's own client applying the same SQL as deploy. `floor` and
 * `floor-with-history` run in ONE transaction on both databases (`psql -1`; `BEGIN … COMMIT`
 * for sqlite3, whose default autocommit would sync after every statement and make the floor
 * slower than a deploy in one transaction). On PostgreSQL, `floor-per-migration` gives each
 * migration and its history row a transaction of their own, as deploy does there; it is also
 * the only floor that fits the server's lock table at N=1000.
 */
export type FloorId = 'floor' | 'floor-with-history' | 'floor-per-migration';

export interface FloorFile {
  id: FloorId;
  file: string;
  /** Applied with `psql -1` (sqlite3 files carry their own BEGIN … COMMIT). */
  oneTransaction: boolean;
}

/** Writes each floor's SQL file into the project folder. */
export function writeFloorFiles(project: TempProject, names: string[], provider: Provider): FloorFile[] {
  const write = (id: FloorId, sql: string, oneTransaction: boolean): FloorFile => {
    const file = path.join(project.root, `${id}.sql`);
    writeFileSync(file, provider === 'sqlite' && oneTransaction ? `BEGIN;\n${sql}\nCOMMIT;\n` : sql);
    return { id, file, oneTransaction };
  };
  const floors = [
    write('floor', concatenateMigrations(project, names), true),
    write('floor-with-history', migrationsWithHistory(project, names, provider, false), true),
  ];
  if (provider === 'postgresql') floors.push(write('floor-per-migration', migrationsWithHistory(project, names, provider, true), false));
  return floors;
}

/** `psql [-1] -q -f file` or `sqlite3 file.db < file`; both stop at the first error so a bad file cannot pass. */
export function applyFloor(db: TestDatabase, floor: FloorFile): Promise<ProcessRun> {
  return db.provider === 'postgresql'
    ? runNative('psql', ['-X', ...(floor.oneTransaction ? ['-1'] : []), '-q', '-v', 'ON_ERROR_STOP=1', '-f', floor.file, db.url])
    : runNative('sqlite3', ['-bail', db.url.slice('file:'.length)], { inputFile: floor.file });
}

/**
 * The migrations plus the bookkeeping any per-plugin history needs: each plugin's history table
 * and one row per migration. What deploy costs beyond this is the orchestrator's own overhead.
 */
function migrationsWithHistory(project: TempProject, names: string[], provider: Provider, transactionPerMigration: boolean): string {
  return names
    .flatMap((name) => {
      const table = historyTableName(name);
      return [
        `${historyTableSql(table, provider)};`,
        ...project.migrations(name).map((migration) => {
          const sql = `${project.readMigration(name, migration)}\nINSERT INTO "${table}" ("id", "checksum", "migration_name", "finished_at", "applied_steps_count") VALUES ('${randomUUID()}', '${'0'.repeat(64)}', '${migration}', CURRENT_TIMESTAMP, 1);`;
          return transactionPerMigration ? `BEGIN;\n${sql}\nCOMMIT;` : sql;
        }),
      ];
    })
    .join('\n');
}

function concatenateMigrations(project: TempProject, names: string[]): string {
  return names
    .flatMap((name) => project.migrations(name).map((migration) => project.readMigration(name, migration)))
    .join('\n');
}
