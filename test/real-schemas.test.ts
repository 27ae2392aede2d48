import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { assertMatchesMonolith, monolithCatalog } from './support/compare-with-monolith.ts';
import { diffCatalogs, readCatalog } from './support/database-catalog.ts';
import { readFixturePlugins } from './support/monolithic-schema.ts';
import { createTempProject, REPO_ROOT, type PluginFixture, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/**
 * The bar for the orchestrator: plugins that evolve version by version, each generating and
 * deploying its own migrations, leave the database exactly as if the same models had been one
 * ordinary Prisma schema applied from empty. Fixtures: test/fixtures/<project>/v1..v3 (see the
 * README's Tests section).
 */

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures');
const PROJECTS = ['commerce', 'saas'];
const VERSIONS = ['v1', 'v2', 'v3'];

function fixture(project: string, version: string): Record<string, PluginFixture> {
  return readFixturePlugins(path.join(FIXTURES, project, version));
}

function migrationsOf(project: TempProject, plugins: string[]): Record<string, string[]> {
  return Object.fromEntries(plugins.map((plugin) => [plugin, project.migrations(plugin)]));
}

async function appliedMigrations(db: TestDatabase, plugin: string): Promise<string[]> {
  const rows = await db.query<{ migration_name: string }>(
    `SELECT migration_name FROM "_prisma_migrations_${plugin}" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return rows.map((row) => row.migration_name);
}

function cliFailure(step: string, result: { exitCode: number; stdout: string; stderr: string }): string {
  return `${step} exited ${result.exitCode}:\n${(result.stderr || result.stdout).trim()}`;
}

/**
 * One version of a fixture project: write its plugins over the previous ones, generate, deploy,
 * then check. A failed generate or deploy ends the project's history (later versions are
 * skipped, since they build on this one); every other check is collected, so one run reports
 * all of a step's differences.
 */
async function deployVersion(
  t: TestContext,
  project: TempProject,
  db: TestDatabase,
  version: string,
  plugins: Record<string, PluginFixture>,
  previous: Record<string, PluginFixture>,
): Promise<void> {
  const expected = monolithCatalog(plugins, project.provider);
  // Don't let a failure below leave this promise's rejection unhandled.
  expected.catch(() => {});
  const names = Object.keys(plugins);
  for (const [name, plugin] of Object.entries(plugins)) project.writePlugin(name, plugin);
  const before = migrationsOf(project, names);

  const generated = await project.cli(['generate', '--name', version, '--accept-data-loss']);
  if (generated.exitCode !== 0) throw new Error(cliFailure(`${version}: generate`, generated));
  const after = migrationsOf(project, names);
  const problems: string[] = [];
  for (const name of names) {
    // A plugin gets a migration exactly when its own models changed: a dependency's change
    // (even a removed or renamed table, or a new enum value) never writes into a dependent.
    const changed = previous[name]?.models !== plugins[name]!.models;
    const added = after[name]!.filter((migration) => !before[name]!.includes(migration));
    const expectedCount = changed ? 1 : 0;
    if (added.length !== expectedCount || !added.every((migration) => migration.endsWith(`_${version}`))) {
      problems.push(`plugin ${name}: expected ${expectedCount} new migration(s) named *_${version}, got [${added.join(', ')}]${added.length > 0 ? `:\n${added.map((m) => project.readMigration(name, m)).join('\n')}` : ''}`);
    }
  }

  const deployed = await project.cli(['deploy']);
  if (deployed.exitCode !== 0) throw new Error([...problems, cliFailure(`${version}: deploy`, deployed)].join('\n'));

  // Generate reads no database, so the check that it now finds nothing runs beside the reads.
  const again = project.cli(['generate', '--name', `${version}_again`]);
  for (const name of names) {
    const applied = await appliedMigrations(db, name);
    if (JSON.stringify(applied) !== JSON.stringify(after[name])) {
      problems.push(`plugin ${name}: history table holds [${applied.join(', ')}], migrations folder [${after[name]!.join(', ')}]`);
    }
  }
  const differences = diffCatalogs(await readCatalog(db), await expected);
  if (differences.length > 0) problems.push(`database differs from the monolithic ${version} schema:\n  ${differences.join('\n  ')}`);

  const second = await again;
  if (second.exitCode !== 0) problems.push(cliFailure(`${version}: second generate`, second));
  else if (JSON.stringify(migrationsOf(project, names)) !== JSON.stringify(after)) problems.push(`${version}: a second generate wrote migrations: ${second.stdout.trim()}`);

  t.diagnostic(`${version}: ${names.map((name) => `${name} ${after[name]!.length}`).join(', ')} migration(s)`);
  assert.deepEqual(problems, [], problems.join('\n\n'));
}

describe('real schemas: deployed plugin by plugin, the database equals the monolithic schema', { concurrency: true }, () => {
  for (const name of PROJECTS) {
    for (const provider of PROVIDERS_UNDER_TEST) {
      test(`${name} on ${provider}: v1 → v2 → v3`, async (t) => {
        const db = await createTestDatabase(provider);
        const project = createTempProject(provider, {}, db.url);
        t.after(async () => {
          project.remove();
          await db.drop();
        });
        let stopped: string | undefined;
        let previous: Record<string, PluginFixture> = {};
        for (const version of VERSIONS) {
          const plugins = fixture(name, version);
          await t.test(version, async (step) => {
            if (stopped) return step.skip(stopped);
            try {
              await deployVersion(step, project, db, version, plugins, previous);
            } catch (error) {
              // Generate or deploy failed: later versions cannot build on this one.
              if (!(error instanceof assert.AssertionError)) stopped = `${version} did not deploy`;
              throw error;
            }
          });
          previous = plugins;
        }
      });
    }
  }
});

/**
 * Removing a value from an enum that a dependent plugin's columns use cannot be migrated by the
 * owner alone on PostgreSQL (the owner converts its columns, the dependent's keep the old type,
 * and `DROP TYPE …_old` fails). Generate must refuse it before writing anything, naming the
 * dependent. SQLite stores enums as text, so there the schema does not change: generate may
 * refuse the same way (the dependent's rows may still hold the value) or accept it, and then the
 * database must still equal the monolith.
 */
describe('a dependency removes an enum value that a dependent plugin uses', { concurrency: true }, () => {
  const scenario = path.join(FIXTURES, 'enum-value-removal');
  for (const provider of PROVIDERS_UNDER_TEST) {
    test(`on ${provider}`, async () => {
      const db = await createTestDatabase(provider);
      const project = createTempProject(provider, readFixturePlugins(path.join(scenario, 'v1')), db.url);
      try {
        const first = await project.cli(['generate']);
        assert.equal(first.exitCode, 0, first.stderr);
        const deployed = await project.cli(['deploy']);
        assert.equal(deployed.exitCode, 0, deployed.stderr);

        const v2 = readFixturePlugins(path.join(scenario, 'v2'));
        for (const [name, plugin] of Object.entries(v2)) project.writePlugin(name, plugin);
        const before = migrationsOf(project, Object.keys(v2));
        const generated = await project.cli(['generate', '--name', 'drop discontinued', '--accept-data-loss']);
        if (provider === 'postgresql' || generated.exitCode !== 0) {
          assert.equal(generated.exitCode, 1, `generate must refuse; it wrote:\n${generated.stdout}`);
          assert.match(generated.stderr, /"alerts"/, 'the message names the dependent plugin');
          assert.match(generated.stderr, /StockState/, 'the message names the enum');
          assert.doesNotMatch(generated.stderr, /\n\s+at /, 'a user mistake gets no stack trace');
          assert.deepEqual(migrationsOf(project, Object.keys(v2)), before, 'nothing was written');
        } else {
          const again = await project.cli(['deploy']);
          assert.equal(again.exitCode, 0, again.stderr);
          await assertMatchesMonolith(db, v2);
        }
      } finally {
        project.remove();
        await db.drop();
      }
    });
  }
});
