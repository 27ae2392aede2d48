import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Provider } from '../orchestrator/config/provider.ts';
import { ENGINE_ENV } from '../orchestrator/engine/resolve-schema-engine.ts';
import { locatePrismaCli } from '../orchestrator/engine/run-prisma-cli.ts';
import { monolithicSchema, monolithicSql } from '../test/support/monolithic-schema.ts';
import type { PluginFixture } from '../test/support/temp-project.ts';
import { runNative, type ProcessRun } from './measure-process.ts';

/**
 * What Prisma users run today: the same tables as ONE ordinary Prisma schema (every plugin's
 * models in one file), with the history a team would have after the same two changes the
 * plugins went through: `migrate dev` from empty (every CREATE TABLE and index in one
 * migration), then the added column (every ALTER TABLE in a second one). So `prisma migrate
 * deploy` runs the same statements as deploy and the floors, in 2 migrations instead of 2N.
 */
export interface PrismaMonolith {
  root: string;
  /** The migrations' names, oldest first: what `_prisma_migrations` must hold after a deploy. */
  migrations: string[];
  remove(): void;
}

export async function createPrismaMonolith(provider: Provider, before: Record<string, PluginFixture>, after: Record<string, PluginFixture>): Promise<PrismaMonolith> {
  const root = mkdtempSync(path.join(tmpdir(), 'orchestrator-bench-prisma-'));
  const schema = monolithicSchema(after, provider).map((file) => file.content).join('\n');
  writeFileSync(path.join(root, 'schema.prisma'), schema);
  // Prisma 7 reads the database URL from prisma.config.ts; DATABASE_URL changes per run.
  writeFileSync(
    path.join(root, 'prisma.config.ts'),
    `export default { schema: 'schema.prisma', migrations: { path: 'migrations' }, datasource: { url: process.env.DATABASE_URL } };\n`,
  );
  const migrationsDir = path.join(root, 'migrations');
  mkdirSync(migrationsDir);
  writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), `provider = "${provider}"\n`);
  const migrations: [string, string][] = [
    ['20260101000000_init', await monolithicSql(before, provider)],
    ['20260101000001_add_note', await monolithicSql(after, provider, before)],
  ];
  for (const [name, sql] of migrations) {
    mkdirSync(path.join(migrationsDir, name));
    writeFileSync(path.join(migrationsDir, name, 'migration.sql'), sql);
  }
  return { root, migrations: migrations.map(([name]) => name), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * `prisma migrate deploy` with the official CLI, offline: its schema engine is the built
 * WebAssembly launcher (plain node, no tsx), as `npm run build` ships it. Prisma's own native
 * engine cannot be downloaded here; the launcher is the fastest stand-in we have.
 */
export function runPrismaMigrateDeploy(monolith: PrismaMonolith, databaseUrl: string, engineLauncher: string): Promise<ProcessRun> {
  chmodSync(engineLauncher, 0o755);
  return runNative(process.execPath, [locatePrismaCli().entry, 'migrate', 'deploy'], {
    cwd: monolith.root,
    env: {
      DATABASE_URL: databaseUrl,
      [ENGINE_ENV]: engineLauncher,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      // The launcher starts with `#!/usr/bin/env node`: the node running the bench.
      PATH: [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter),
    },
  });
}
