import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { openDatabase } from '../orchestrator/database/open-database.ts';
import { retirePluginRole } from '../orchestrator/roles/retire-plugin-role.ts';
import { dumpDatabase } from './support/database-dump.ts';
import { freshDatabasePerTest } from './support/fresh-database-per-test.ts';
import { readFixturePlugins } from './support/monolithic-schema.ts';
import { REPO_ROOT, createTempProject, examplePlugins, type PluginFixture, type TempProject } from './support/temp-project.ts';
import { POSTGRES_ADMIN_URL, createTestDatabase, withClient, type TestDatabase } from './support/test-databases.ts';

/** The example plugins, and `three`, which depends on nothing: it may not even read books. */
function plugins(): Record<string, PluginFixture> {
  return {
    ...examplePlugins(),
    three: { manifest: { version: '1.0.0' }, models: 'model Note {\n  id   Int    @id @default(autoincrement())\n  body String\n\n  @@map("notes")\n}\n' },
  };
}

/** Roles are cluster-wide: every name this run creates starts with its own prefix, and all are dropped after. */
const PREFIX = `t${randomBytes(4).toString('hex')}_`;
const ROLE_ARGS = ['--role-prefix', PREFIX];
const role = (plugin: string) => `${PREFIX}${plugin}`;

/** A URL of `db` that logs in as `user` (the test server trusts local logins). */
function urlAs(db: TestDatabase, user: string): string {
  const url = new URL(db.url);
  url.username = user;
  return url.toString();
}

/** What the server answers when `user` runs `sql` in `db`: 'ok', or the SQLSTATE. */
async function tryAs(db: TestDatabase, user: string, sql: string): Promise<string> {
  try {
    await withClient(urlAs(db, user), (client) => client.query(sql));
    return 'ok';
  } catch (error) {
    return String((error as { code?: string }).code);
  }
}

async function dropTestRoles(): Promise<void> {
  await withClient(POSTGRES_ADMIN_URL, async (client) => {
    const { rows } = await client.query<{ name: string }>("SELECT rolname AS name FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY oid DESC", [PREFIX]);
    for (const { name } of rows) await client.query(`DROP ROLE ${client.escapeIdentifier(name)}`);
  });
}

async function owners(db: TestDatabase): Promise<Record<string, string>> {
  const rows = await db.query<{ name: string; owner: string }>(
    "SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1",
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.owner]));
}

function writeMigration(project: TempProject, plugin: string, name: string, sql: string): void {
  const dir = path.join(project.pluginDir(plugin), 'migrations', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql);
}

describe('a PostgreSQL role per plugin', () => {
  const databases: TestDatabase[] = [];
  const projects: TempProject[] = [];
  const fresh = async () => {
    const db = await createTestDatabase('postgresql');
    databases.push(db);
    const project = createTempProject('postgresql', plugins(), db.url);
    projects.push(project);
    return { db, project };
  };
  after(async () => {
    for (const project of projects) project.remove();
    for (const db of databases) await db.drop();
    await dropTestRoles();
  });

  let db: TestDatabase;
  let project: TempProject;
  before(async () => {
    ({ db, project } = await fresh());
    assert.equal((await project.cli(['generate'])).exitCode, 0);
  });

  test('deploy --manage-roles: each plugin\'s tables and sequences belong to its role, the history tables to the deployer; roles is then idempotent', async () => {
    const deployed = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(deployed.exitCode, 0, deployed.stderr);
    assert.match(deployed.stdout, new RegExp(`roles: created role ${role('one')} \\(NOLOGIN\\)`));
    assert.match(deployed.stdout, new RegExp(`roles: granted SELECT, REFERENCES on books to ${role('two')}`));
    assert.deepEqual(await owners(db), {
      _prisma_migrations_one: 'postgres', _prisma_migrations_three: 'postgres', _prisma_migrations_two: 'postgres',
      books: role('one'), books_id_seq: role('one'), notes: role('three'), notes_id_seq: role('three'), users: role('two'), users_id_seq: role('two'),
    });
    const [login] = await db.query<{ rolcanlogin: boolean }>(`SELECT rolcanlogin FROM pg_roles WHERE rolname = '${role('two')}'`);
    assert.equal(login?.rolcanlogin, false, 'plugin roles are NOLOGIN');

    const again = await project.cli(['roles', ...ROLE_ARGS, '--json']);
    assert.equal(again.exitCode, 0, again.stderr);
    const report = JSON.parse(again.stdout) as { changed: boolean; changes: unknown[]; roles: { plugin: string; role: string }[] };
    assert.equal(report.changed, false);
    assert.deepEqual(report.changes, []);
    assert.deepEqual(report.roles.map((r) => r.role), [role('one'), role('three'), role('two')]);
  });

  test("at run time, two's login role reads books but cannot update or delete them; three cannot even read them; no one reads a history table", async () => {
    await db.exec(`INSERT INTO books (title) VALUES ('Dune'); CREATE ROLE "${role('app_two')}" LOGIN IN ROLE "${role('two')}"; CREATE ROLE "${role('app_three')}" LOGIN IN ROLE "${role('three')}"`);
    assert.equal(await tryAs(db, role('app_two'), 'SELECT * FROM books'), 'ok');
    assert.equal(await tryAs(db, role('app_two'), "INSERT INTO users (name, \"favoriteBookId\") SELECT 'ada', id FROM books"), 'ok');
    assert.equal(await tryAs(db, role('app_two'), "UPDATE books SET title = 'x'"), '42501');
    assert.equal(await tryAs(db, role('app_two'), 'DELETE FROM books'), '42501');
    assert.equal(await tryAs(db, role('app_two'), "INSERT INTO books (title) VALUES ('x')"), '42501');
    assert.equal(await tryAs(db, role('app_two'), 'SELECT * FROM _prisma_migrations_two'), '42501');
    assert.equal(await tryAs(db, role('app_three'), 'SELECT * FROM books'), '42501');
    assert.equal(await tryAs(db, role('app_three'), 'SELECT * FROM users'), '42501');
    assert.equal(await tryAs(db, role('app_three'), "INSERT INTO notes (body) VALUES ('mine')"), 'ok');
    assert.deepEqual(await db.query('SELECT title FROM books'), [{ title: 'Dune' }]);
  });

  test('the README example: plugin two\'s Prisma Client as a per-plugin login role, and as a shared login with SET ROLE', async () => {
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(project.root, 'node_modules'));
    writeFileSync(path.join(project.root, 'package.json'), JSON.stringify({ type: 'module' }));
    cpSync(path.join(REPO_ROOT, 'docs/examples'), path.join(project.root, 'docs/examples'), { recursive: true });
    assert.equal((await project.cli(['client', 'two'])).exitCode, 0);
    await db.exec(`CREATE ROLE "${role('app_shared')}" LOGIN NOINHERIT IN ROLE "${role('one')}", "${role('two')}"`);
    const ran = await execa('node', ['--import', 'tsx', 'docs/examples/plugin-role-client.ts'], {
      cwd: project.root,
      reject: false,
      env: { TWO_DATABASE_URL: urlAs(db, role('app_two')), SHARED_DATABASE_URL: urlAs(db, role('app_shared')), PLUGIN_TWO_ROLE: role('two') },
    });
    assert.equal(ran.exitCode, 0, ran.stderr);
    const expected = '{"readBooks":"ok","createUser":"ok","updateBooks":"denied","deleteBooks":"denied"}';
    assert.equal(ran.stdout, `per-plugin login: ${expected}\nshared login + SET ROLE: ${expected}`);
    // Without the SET ROLE, the NOINHERIT shared login holds nothing of its own.
    assert.equal(await tryAs(db, role('app_shared'), 'SELECT * FROM books'), '42501');
  });

  test("a trusted migration of two that writes books fails in the database, naming plugin, table and privilege; the database is as it was", async () => {
    const before = await dumpDatabase(db);
    writeMigration(project, 'two', '29990101000000_bypass', "-- orchestrator: trusted\nDO $$ BEGIN EXECUTE 'UPDATE books SET title = ''gone'''; END $$;\n");
    const refused = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /Error \[PLUGIN_ROLE_DENIED\]: Plugin "two", migration 29990101000000_bypass .* was refused by the database at statement 1 of 1 \(line 2\)/);
    assert.match(refused.stderr, new RegExp(`run as role "${role('two')}", which lacks UPDATE on table "books" \\(plugin "one"'s\\)`));
    assert.match(refused.stderr, /permission denied for table books \(SQLSTATE 42501\)/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(await dumpDatabase(db), before);

    // Altering it needs its owner, which two is not.
    writeMigration(project, 'two', '29990101000000_bypass', "-- orchestrator: trusted\nDO $$ BEGIN EXECUTE 'ALTER TABLE books ADD COLUMN x int'; END $$;\n");
    const altered = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(altered.exitCode, 1);
    assert.match(altered.stderr, /lacks ownership of table "books" \(plugin "one"'s\)/);
    assert.equal(await dumpDatabase(db), before);

    // Outside a transaction the role holds as well (SET ROLE … RESET ROLE around the statement).
    writeMigration(project, 'two', '29990101000000_bypass', "-- orchestrator: trusted, no-transaction\nDO $$ BEGIN EXECUTE 'DELETE FROM books'; END $$;\n");
    const outside = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(outside.exitCode, 1);
    assert.match(outside.stderr, /Error \[PLUGIN_ROLE_DENIED\]: .*\n.*\n.*lacks DELETE on table "books" \(plugin "one"'s\)[\s\S]*This step ran outside a transaction/);
    assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM books'), [{ n: 1 }]);
    await db.exec("DELETE FROM _prisma_migrations_two WHERE migration_name = '29990101000000_bypass'"); // the step's start mark

    // A migration that would leave its role is refused before anything runs.
    writeMigration(project, 'two', '29990101000000_bypass', "RESET ROLE;\nUPDATE users SET name = 'x';\n");
    const escaped = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(escaped.exitCode, 1);
    assert.match(escaped.stderr, /Error \[MIGRATION_INVALID\]: Refusing deploy --manage-roles: .*\n {2}plugin "two", migration 29990101000000_bypass \(.*migration\.sql:1\): SET/);
    assert.equal(await dumpDatabase(db), before);

    // Its own table: fine, and the history row is the deployer's.
    writeMigration(project, 'two', '29990101000000_bypass', "-- orchestrator: trusted\nDO $$ BEGIN EXECUTE 'UPDATE users SET address = ''here'''; END $$;\n");
    const own = await project.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(own.exitCode, 0, own.stderr);
    assert.deepEqual(await db.query("SELECT count(*)::int AS n FROM _prisma_migrations_two WHERE migration_name = '29990101000000_bypass' AND finished_at IS NOT NULL"), [{ n: 1 }]);
  });

  test('roles takes back what it did not grant, and --references-only drops SELECT on dependencies', async () => {
    await db.exec(`GRANT SELECT, UPDATE ON users TO "${role('three')}"; GRANT DELETE ON books TO "${role('two')}"`);
    const synced = await project.cli(['roles', ...ROLE_ARGS]);
    assert.equal(synced.exitCode, 0, synced.stderr);
    assert.match(synced.stdout, new RegExp(`changed: revoked DELETE on books from ${role('two')}`));
    assert.match(synced.stdout, new RegExp(`changed: revoked SELECT, UPDATE on users from ${role('three')}`));
    assert.equal(await tryAs(db, role('app_three'), 'SELECT * FROM users'), '42501');

    const referencesOnly = await project.cli(['roles', ...ROLE_ARGS, '--references-only', '--json']);
    assert.equal(referencesOnly.exitCode, 0, referencesOnly.stderr);
    assert.deepEqual(JSON.parse(referencesOnly.stdout).changes, [{ kind: 'revoke', table: 'books', role: role('two'), privileges: ['SELECT'] }]);
    assert.equal(await tryAs(db, role('app_two'), 'SELECT * FROM books'), '42501');
    const [refs] = await db.query<{ ok: boolean }>(`SELECT has_table_privilege('${role('two')}', 'books', 'REFERENCES') AS ok`);
    assert.equal(refs?.ok, true, 'two may still point foreign keys at books');
    assert.equal((await project.cli(['roles', ...ROLE_ARGS])).exitCode, 0, 'and back');
  });

  test('the commerce fixture, v1 → v2 → v3 (enums across plugins, many-to-many joins, a renamed and a removed table), deploys with roles managed', async () => {
    const { db: other } = await fresh();
    const prefix = `${PREFIX}cx_`;
    const commerce = createTempProject('postgresql', {}, other.url);
    projects.push(commerce);
    for (const version of ['v1', 'v2', 'v3']) {
      for (const [name, plugin] of Object.entries(readFixturePlugins(path.join(REPO_ROOT, 'test/fixtures/commerce', version)))) commerce.writePlugin(name, plugin);
      assert.equal((await commerce.cli(['generate', '--name', version, '--accept-data-loss'])).exitCode, 0, version);
      const deployed = await commerce.cli(['deploy', '--manage-roles', '--role-prefix', prefix]);
      assert.equal(deployed.exitCode, 0, `${version}: ${deployed.stderr}`);
      const misowned = Object.entries(await owners(other)).filter(([name, owner]) => (name.startsWith('_prisma_migrations_') ? owner !== 'postgres' : !owner.startsWith(prefix)));
      assert.deepEqual(misowned, [], version);
      const synced = await commerce.cli(['roles', '--role-prefix', prefix, '--json']);
      assert.deepEqual(JSON.parse(synced.stdout).changes, [], `${version}: deploy left the roles as roles would`);
    }
    const [enumOwner] = await other.query<{ owner: string }>("SELECT DISTINCT pg_get_userbyid(typowner) AS owner FROM pg_type WHERE typtype = 'e' AND typnamespace = 'public'::regnamespace ORDER BY 1 LIMIT 1");
    assert.ok(enumOwner?.owner.startsWith(prefix), `enums belong to plugin roles: ${enumOwner?.owner}`);
  });

  test('a database deployed without roles: roles hands the existing tables to the plugin roles, then their migrations run as them', async () => {
    const { db: other, project: plain } = await fresh();
    assert.equal((await plain.cli(['generate'])).exitCode, 0);
    assert.equal((await plain.cli(['deploy'])).exitCode, 0);
    assert.equal((await owners(other)).books, 'postgres');
    const handed = await plain.cli(['roles', ...ROLE_ARGS]);
    assert.equal(handed.exitCode, 0, handed.stderr);
    assert.match(handed.stdout, new RegExp(`changed: table books: owner postgres → ${role('one')}`));
    assert.equal((await owners(other)).books_id_seq, role('one'), 'its sequence went with it');
    writeMigration(plain, 'one', '29990101000000_year', 'ALTER TABLE "books" ADD COLUMN "year" INTEGER;\n');
    const altered = await plain.cli(['deploy', '--manage-roles', ...ROLE_ARGS]);
    assert.equal(altered.exitCode, 0, altered.stderr);
  });

  test('a login role without CREATEROLE is refused, naming the privilege, and nothing changes; with CREATEROLE and the database it works', async () => {
    const { db: other, project: owned } = await fresh();
    const deployer = role('deployer');
    const dbName = new URL(other.url).pathname.slice(1);
    await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`CREATE ROLE "${deployer}" LOGIN`));
    // PostgreSQL 15: the public schema belongs to the database's owner.
    await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`ALTER DATABASE "${dbName}" OWNER TO "${deployer}"`));
    const as = { DATABASE_URL: urlAs(other, deployer) };
    assert.equal((await owned.cli(['generate'])).exitCode, 0);
    assert.equal((await owned.cli(['deploy'], as)).exitCode, 0);
    const before = await dumpDatabase(other);
    const rolesBefore = await withClient(POSTGRES_ADMIN_URL, async (client) => (await client.query('SELECT rolname FROM pg_roles ORDER BY 1')).rows);

    const prefix = ['--role-prefix', `${PREFIX}own_`];
    const refused = await owned.cli(['deploy', '--manage-roles', ...prefix], as);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, new RegExp(`Error \\[DATABASE_PERMISSION_DENIED\\]: Cannot manage the plugin roles on .*: the user "${deployer}" lacks\\n {2}- CREATEROLE, to create the role\\(s\\) ${PREFIX}own_one, ${PREFIX}own_three, ${PREFIX}own_two\\nNothing was changed\\.`));
    assert.match(refused.stderr, /Fix: .*ALTER ROLE/);
    assert.equal(await dumpDatabase(other), before);
    assert.deepEqual(await withClient(POSTGRES_ADMIN_URL, async (client) => (await client.query('SELECT rolname FROM pg_roles ORDER BY 1')).rows), rolesBefore);

    await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`ALTER ROLE "${deployer}" CREATEROLE`));
    const managed = await owned.cli(['roles', ...prefix, '--json'], as);
    assert.equal(managed.exitCode, 0, managed.stderr);
    const kinds = (JSON.parse(managed.stdout) as { changes: { kind: string }[] }).changes.map((change) => change.kind);
    assert.ok(kinds.includes('grant-membership') && kinds.includes('alter-owner'), kinds.join());
    assert.equal((await owners(other)).users, `${PREFIX}own_two`);
    writeMigration(owned, 'two', '29990101000000_more', 'ALTER TABLE "users" ADD COLUMN "age" INTEGER;\n');
    const deployed = await owned.cli(['deploy', '--manage-roles', ...prefix], as);
    assert.equal(deployed.exitCode, 0, deployed.stderr);
  });

  test('for uninstall and rename: a gone plugin\'s role is retired (dropped once it owns nothing), one still owning tables is kept', async () => {
    const { db: other, project: gone } = await fresh();
    const options = { prefix: `${PREFIX}gone_`, dependencyAccess: 'select' } as const;
    assert.equal((await gone.cli(['generate'])).exitCode, 0);
    assert.equal((await gone.cli(['deploy', '--manage-roles', '--role-prefix', options.prefix])).exitCode, 0);
    await other.exec('DROP TABLE notes, _prisma_migrations_three'); // what uninstall of three does first
    const connection = await openDatabase(other.url, gone.root, { create: false });
    try {
      assert.deepEqual(await retirePluginRole(connection, options, 'three'), { plugin: 'three', role: `${options.prefix}three`, outcome: 'dropped' });
      assert.equal((await retirePluginRole(connection, options, 'one')).outcome, 'kept', 'it still owns books');
      const [usable] = await other.query<{ ok: boolean }>(`SELECT has_schema_privilege('${options.prefix}one', 'public', 'CREATE') AS ok`);
      assert.equal(usable?.ok, true, 'a kept role keeps its privileges');
      assert.equal((await retirePluginRole(connection, options, 'three')).outcome, 'absent');
    } finally {
      await connection.close();
    }
    assert.deepEqual(await other.query(`SELECT rolname FROM pg_roles WHERE starts_with(rolname, '${options.prefix}') ORDER BY 1`), [{ rolname: `${options.prefix}one` }, { rolname: `${options.prefix}two` }]);
    assert.equal(await tryAs(other, `${options.prefix}two`, 'SELECT 1'), '28000', 'NOLOGIN');
  });

  /** The names of the roles that start with `prefix`, sorted. */
  async function rolesNamed(db: TestDatabase, prefix: string): Promise<string[]> {
    return (await db.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE starts_with(rolname, '${prefix}') ORDER BY 1`)).map((row) => row.rolname);
  }

  test('uninstall of a leaf plugin drops its role after its tables; the other plugins\' roles stay', async () => {
    const { db: other, project: leaf } = await fresh();
    const prefix = `${PREFIX}un_`;
    assert.equal((await leaf.cli(['generate'])).exitCode, 0);
    assert.equal((await leaf.cli(['deploy', '--manage-roles', '--role-prefix', prefix])).exitCode, 0);
    const removed = await leaf.cli(['uninstall', 'three', '--yes', '--role-prefix', prefix]);
    assert.equal(removed.exitCode, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`dropped 1 table\\(s\\), 0 enum\\(s\\) and its history table\\.\\nDropped role ${prefix}three\\.`));
    assert.deepEqual(await rolesNamed(other, prefix), [`${prefix}one`, `${prefix}two`]);
    assert.deepEqual(Object.keys(await owners(other)).filter((name) => name.includes('note') || name.includes('three')), []);
    // A role of the plugin's name that roles never set up in this database is not uninstall's to drop.
    const stray = `${PREFIX}stray_`;
    await other.exec(`CREATE ROLE "${stray}two" NOLOGIN`);
    const second = await leaf.cli(['uninstall', 'two', '--yes', '--role-prefix', stray]);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /role/i);
    assert.deepEqual(await rolesNamed(other, stray), [`${stray}two`]);
  });

  test('rename moves the plugin\'s tables to the new name\'s role and drops the old role; a later deploy --manage-roles is a no-op', async () => {
    const { db: other, project: moved } = await fresh();
    const prefix = `${PREFIX}mv_`;
    const args = ['--role-prefix', prefix];
    assert.equal((await moved.cli(['generate'])).exitCode, 0);
    assert.equal((await moved.cli(['deploy', '--manage-roles', ...args])).exitCode, 0);
    const renamed = await moved.cli(['rename', 'two', 'members', ...args]);
    assert.equal(renamed.exitCode, 0, renamed.stderr);
    assert.match(renamed.stdout, new RegExp(`roles: created role ${prefix}members \\(NOLOGIN\\)`));
    assert.match(renamed.stdout, new RegExp(`roles: table users: owner ${prefix}two → ${prefix}members`));
    assert.match(renamed.stdout, new RegExp(`Dropped role ${prefix}two\\.`));
    // The dependency renamed too: its dependents keep what they were granted on its tables.
    const json = await moved.cli(['rename', 'one', 'library', ...args, '--json']);
    assert.equal(json.exitCode, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { role: { role: string; retired: { outcome: string } } };
    assert.deepEqual([report.role.role, report.role.retired.outcome], [`${prefix}library`, 'dropped']);
    assert.deepEqual(await rolesNamed(other, prefix), [`${prefix}library`, `${prefix}members`, `${prefix}three`]);
    const tableOwners = await owners(other);
    assert.deepEqual([tableOwners.books, tableOwners.books_id_seq, tableOwners.users, tableOwners.users_id_seq], [`${prefix}library`, `${prefix}library`, `${prefix}members`, `${prefix}members`]);
    const [reads] = await other.query<{ books: boolean; update: boolean }>(`SELECT has_table_privilege('${prefix}members', 'books', 'SELECT') AS books, has_table_privilege('${prefix}members', 'books', 'UPDATE') AS update`);
    assert.deepEqual({ ...reads }, { books: true, update: false });

    const again = await moved.cli(['deploy', '--manage-roles', ...args]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout.trim(), /^Nothing to deploy: 3 plugin\(s\) up to date on \S+\.$/, 'no role changed, no migration applied');
  });

  test('roles are cluster-wide: 12 sessions creating the same role and membership at once all succeed (duplicate_object and unique_violation are checked, not fatal)', async () => {
    const connections = await Promise.all(Array.from({ length: 12 }, () => openDatabase(db.url, project.root, { create: false })));
    try {
      await db.exec(`CREATE ROLE "${role('race_member')}" NOLOGIN`);
      const changes = [{ kind: 'create-role', role: role('race') }, { kind: 'grant-membership', role: role('race'), to: role('race_member') }] as const;
      await Promise.all(connections.map((each) => each.pluginRoles!.apply([...changes])));
    } finally {
      await Promise.all(connections.map((each) => each.close()));
    }
    const [row] = await db.query<{ member: boolean }>(`SELECT pg_has_role('${role('race_member')}', '${role('race')}', 'MEMBER') AS member`);
    assert.equal(row?.member, true);
  });

  test('20 deploys at once with roles managed, on two databases sharing the roles: one applies per database, the rest find it done', async () => {
    const prefix = ['--role-prefix', `${PREFIX}many_`];
    const [a, b] = [await fresh(), await fresh()];
    assert.equal((await a.project.cli(['generate'])).exitCode, 0);
    cpSync(path.join(a.project.root, 'plugins'), path.join(b.project.root, 'plugins'), { recursive: true });
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).project.cli(['deploy', '--manage-roles', ...prefix])));
    for (const run of runs) assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(runs.filter((run) => /Applied 3 migration\(s\) across 3 plugin\(s\)/.test(run.stdout)).length, 2, runs.map((run) => run.stdout.split('\n').at(-1)).join('\n'));
    assert.equal(runs.filter((run) => /Nothing to deploy: 3 plugin\(s\) up to date/.test(run.stdout)).length, 18);
    for (const { db: each } of [a, b]) {
      assert.deepEqual(await each.query('SELECT count(*)::int AS n FROM _prisma_migrations_two'), [{ n: 1 }]);
      assert.equal((await owners(each)).users, `${PREFIX}many_two`);
    }
    assert.deepEqual(await withClient(POSTGRES_ADMIN_URL, async (client) => (await client.query(`SELECT count(*)::int AS n FROM pg_roles WHERE starts_with(rolname, '${PREFIX}many_')`)).rows), [{ n: 3 }]);
  });
});

describe('plugin roles on SQLite', () => {
  const sqlite = freshDatabasePerTest('sqlite');
  test('roles and deploy --manage-roles refuse clearly: SQLite has no roles; --help says so', async () => {
    const project = sqlite.project(plugins());
    assert.equal((await project.cli(['generate'])).exitCode, 0);
    for (const args of [['roles'], ['deploy', '--manage-roles']]) {
      const refused = await project.cli(args);
      assert.equal(refused.exitCode, 1, args.join(' '));
      assert.match(refused.stderr, /Error \[ROLES_UNSUPPORTED\]: .* is a sqlite database, which has no roles: a role per plugin exists only on PostgreSQL\. Nothing was changed\.\nFix: .*SQL check/);
    }
    assert.deepEqual(await sqlite.db.tables(), [], 'nothing was created');
    const help = await project.cli(['roles', '--help']);
    assert.match(help.stdout, /SQLite has no roles/);
  });
});
