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
 * The floors: the database's own client applying the same SQL as deploy, in ONE transaction on
 * both databases (`psql -1`; `BEGIN … COMMIT` for sqlite3, whose default autocommit would sync
 * after every statement and make the floor slower than a deploy in one transaction).
 */
export type FloorId = 'floor' | 'floor-with-history';

/** Writes each floor's SQL file into the project folder; returns their paths. */
export function writeFloorFiles(project: TempProject, names: string[], provider: Provider): Record<FloorId, string> {
  const write = (name: string, sql: string) => {
    const file = path.join(project.root, name);
    writeFileSync(file, provider === 'sqlite' ? `BEGIN;\n${sql}\nCOMMIT;\n` : sql);
    return file;
  };
  return {
    floor: write('floor.sql', concatenateMigrations(project, names)),
    'floor-with-history': write('floor-with-history.sql', migrationsWithHistory(project, names, provider)),
  };
}

/** `psql -1 -q -f file` or `sqlite3 file.db < file`; both stop at the first error so a bad file cannot pass. */
export function applyFloor(db: TestDatabase, sqlFile: string): Promise<ProcessRun> {
  return db.provider === 'postgresql'
    ? runNative('psql', ['-X', '-1', '-q', '-v', 'ON_ERROR_STOP=1', '-f', sqlFile, db.url])
    : runNative('sqlite3', ['-bail', db.url.slice('file:'.length)], { inputFile: sqlFile });
}

/**
 * The floor plus the bookkeeping any per-plugin history needs: each plugin's history table and
 * one row per migration. What deploy costs beyond this is the orchestrator's own overhead.
 */
function migrationsWithHistory(project: TempProject, names: string[], provider: Provider): string {
  return names
    .flatMap((name) => {
      const table = historyTableName(name);
      return [
        `${historyTableSql(table, provider)};`,
        ...project.migrations(name).map(
          (migration) =>
            `${project.readMigration(name, migration)}\nINSERT INTO "${table}" ("id", "checksum", "migration_name", "finished_at", "applied_steps_count") VALUES ('${randomUUID()}', '${'0'.repeat(64)}', '${migration}', CURRENT_TIMESTAMP, 1);`,
        ),
      ];
    })
    .join('\n');
}

function concatenateMigrations(project: TempProject, names: string[]): string {
  return names
    .flatMap((name) => project.migrations(name).map((migration) => project.readMigration(name, migration)))
    .join('\n');
}
