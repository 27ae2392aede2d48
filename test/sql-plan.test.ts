import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { checkMigrationOwnership, type OwnershipFindings } from '../orchestrator/ownership/check-migration-ownership.ts';
import type { ObjectOwnership } from '../orchestrator/ownership/object-ownership.ts';
import type { Plugin } from '../orchestrator/plugins/plugin.ts';
import { SqlSyntaxError, type MigrationPlan } from '../orchestrator/sql/migration-plan.ts';
import { planMigration } from '../orchestrator/sql/plan-migration.ts';

const statements = async (sql: string, provider: Provider) => (await planMigration(sql, provider)).statements.map((s) => s.sql);
const touches = async (sql: string, provider: Provider) =>
  (await planMigration(sql, provider)).statements.flatMap((s) => s.touches.map((t) => `${t.use}:${t.kind}:${t.schema ? `${t.schema}.` : ''}${t.name}`));
/** Steps as `T[0,1]` (transactional, statement indexes) and `N[2]` (outside a transaction). */
const steps = (plan: MigrationPlan) => plan.steps.map((step) => `${step.transactional ? 'T' : 'N'}[${step.statements.map((s) => s.index).join(',')}]`);

async function syntaxError(sql: string, provider: Provider): Promise<SqlSyntaxError> {
  try {
    await planMigration(sql, provider);
  } catch (error) {
    assert.ok(error instanceof SqlSyntaxError, String(error));
    return error;
  }
  assert.fail(`expected a SqlSyntaxError for ${sql}`);
}

describe('splitting migration scripts into statements', () => {
  test('semicolons inside strings, quoted names and comments do not split (both databases)', async () => {
    const script = `-- a comment; with a semicolon\nINSERT INTO "a;b" VALUES ('x;y', 'it''s; fine');\n/* block; comment */\nUPDATE t SET v = 1;\n-- trailing comment only\n`;
    for (const provider of ['sqlite', 'postgresql'] as const) {
      assert.deepEqual(await statements(script, provider), [`INSERT INTO "a;b" VALUES ('x;y', 'it''s; fine')`, 'UPDATE t SET v = 1'], provider);
    }
  });

  test('SQLite: [a;b] and `a;b` are names, not statement ends', async () => {
    assert.deepEqual(await statements('CREATE TABLE [a;b] (x INTEGER, `c;d` TEXT);\nSELECT 1', 'sqlite'), ['CREATE TABLE [a;b] (x INTEGER, `c;d` TEXT)', 'SELECT 1']);
    assert.deepEqual(await touches('CREATE TABLE [a;b] (x INTEGER)', 'sqlite'), ['write:table:a;b']);
  });

  test('SQLite: a trigger body stays one statement, and what it touches counts', async () => {
    const script = `CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n END;\n  DELETE FROM c;\nEND;\nSELECT 1;`;
    const plan = await planMigration(script, 'sqlite');
    assert.deepEqual(plan.statements.map((s) => s.sql), [`CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n END;\n  DELETE FROM c;\nEND`, 'SELECT 1']);
    assert.deepEqual(plan.statements.map((s) => s.line), [1, 5]);
    assert.deepEqual(await touches(script, 'sqlite'), ['write:table:a', 'write:trigger:t', 'write:table:b', 'write:table:c']);
  });

  test('PostgreSQL: nested /* /* */ */ comments', async () => {
    assert.deepEqual(await statements('/* outer /* inner; */ still comment; */ SELECT 1; SELECT 2', 'postgresql'), ['SELECT 1', 'SELECT 2']);
  });

  test('PostgreSQL: BEGIN ATOMIC … END (a SQL-standard function body) is one statement', async () => {
    const plan = await planMigration('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3', 'postgresql');
    assert.deepEqual(plan.statements.map((s) => s.sql), ['CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END', 'SELECT 3']);
    assert.equal(plan.statements[0]!.dynamic, true);
    assert.equal(plan.statements[0]!.transactionControl, undefined, 'BEGIN ATOMIC is no transaction');
  });

  test('PostgreSQL: an identifier col$a$ is no dollar quote', async () => {
    assert.deepEqual(await statements('SELECT 1 AS col$a$; SELECT 2 AS x$a$', 'postgresql'), ['SELECT 1 AS col$a$', 'SELECT 2 AS x$a$']);
  });

  test("PostgreSQL: ELSE'b\\' is a plain string ending in a backslash (standard_conforming_strings)", async () => {
    assert.deepEqual(await statements("SELECT CASE WHEN true THEN 'a' ELSE'b\\' END; SELECT 2", 'postgresql'), ["SELECT CASE WHEN true THEN 'a' ELSE'b\\' END", 'SELECT 2']);
  });

  test("PostgreSQL: E'…\\'…' strings and tagged dollar quotes keep their semicolons", async () => {
    const script = `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nSELECT E'a\\'; b';\nSELECT $x$ ; $$ ; $x$;\nSELECT 2`;
    assert.deepEqual(await statements(script, 'postgresql'), [
      'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql',
      "SELECT E'a\\'; b'",
      'SELECT $x$ ; $$ ; $x$',
      'SELECT 2',
    ]);
  });

  test('non-ASCII text before a statement: byte offsets map back to the right text and line', async () => {
    const script = `-- Ünïcödé 😀 comment\nINSERT INTO "users" ("name") VALUES ('Zoë 😀');\n\n/* ß */ DELETE FROM "users" WHERE "name" = 'ñ';`;
    for (const provider of ['postgresql', 'sqlite'] as const) {
      const plan = await planMigration(script, provider);
      assert.deepEqual(plan.statements.map((s) => s.sql), [`INSERT INTO "users" ("name") VALUES ('Zoë 😀')`, `DELETE FROM "users" WHERE "name" = 'ñ'`], provider);
      assert.deepEqual(plan.statements.map((s) => s.line), [2, 4], provider);
    }
  });

  test('a comment-only or empty script has no statements', async () => {
    for (const provider of ['postgresql', 'sqlite'] as const) {
      assert.deepEqual(await statements('', provider), []);
      assert.deepEqual(await statements('-- nothing\n/* here */\n', provider), []);
    }
  });
});

describe('SQL that does not parse is a SqlSyntaxError with its line', () => {
  test('PostgreSQL', async () => {
    const error = await syntaxError('SELECT 1;\n\nSELEC 2;', 'postgresql');
    assert.equal(error.line, 3);
    assert.match(error.message, /SELEC/);
    assert.equal((await syntaxError("SELECT 'é';\nSELECT 'unterminated", 'postgresql')).line, 2);
  });

  test('SQLite: a statement head SQLite does not have, and unterminated quotes', async () => {
    assert.equal((await syntaxError('SELECT 1;\nDO $$ BEGIN END $$;', 'sqlite')).line, 2);
    assert.equal((await syntaxError('SELECT 1;\n\nSELECT "open', 'sqlite')).line, 3);
    assert.equal((await syntaxError("INSERT INTO t VALUES ('x", 'sqlite')).line, 1);
    assert.equal((await syntaxError('DELETE books', 'sqlite')).line, 1);
  });
});

describe('what each statement touches', () => {
  test("Prisma's SQLite table rebuild writes only the plugin's own tables", async () => {
    assert.deepEqual(await touches('CREATE TABLE "new_books" ("id" INTEGER, CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "authors" ("id") ON DELETE CASCADE ON UPDATE CASCADE)', 'sqlite'), [
      'write:table:new_books',
      'reference:table:authors',
    ]);
    assert.deepEqual(await touches('INSERT INTO "new_books" ("id") SELECT "id" FROM "books"', 'sqlite'), ['write:table:new_books', 'read:table:books']);
    assert.deepEqual(await touches('ALTER TABLE "new_books" RENAME TO "books"', 'sqlite'), ['write:table:new_books', 'write:table:books']);
  });

  test('PostgreSQL: unquoted names are folded, schemas kept, every name of a DROP listed', async () => {
    assert.deepEqual(await touches("UPDATE BOOKS SET title = 'UPDATE users'", 'postgresql'), ['write:table:books']);
    assert.deepEqual(await touches('UPDATE public.BOOKS SET title = NULL', 'postgresql'), ['write:table:public.books']);
    assert.deepEqual(await touches('DROP TABLE "tmp", "books"', 'postgresql'), ['write:table:tmp', 'write:table:books']);
    assert.deepEqual(await touches('DELETE FROM ONLY users WHERE 1=1', 'postgresql'), ['write:table:users']);
    assert.deepEqual(await touches('TRUNCATE TABLE books, "Users"', 'postgresql'), ['write:table:books', 'write:table:Users']);
    assert.deepEqual(await touches('-- DROP TABLE books\nSELECT 1', 'postgresql'), []);
  });

  test('PostgreSQL: CTEs, data-modifying CTEs and MERGE', async () => {
    assert.deepEqual(await touches("WITH s AS (SELECT '--') DELETE FROM books", 'postgresql'), ['write:table:books']);
    assert.deepEqual(await touches('WITH d AS (DELETE FROM books RETURNING id) SELECT * FROM d', 'postgresql'), ['read:table:d', 'write:table:books']);
    assert.deepEqual(await touches('MERGE INTO books b USING users u ON b.id = u.id WHEN MATCHED THEN DELETE', 'postgresql'), ['write:table:books', 'read:table:users']);
  });

  test('PostgreSQL: indexes, enums, foreign keys, and the rest', async () => {
    assert.deepEqual(await touches('DROP INDEX "books_title_idx"', 'postgresql'), ['write:index:books_title_idx']);
    const index = (await planMigration('CREATE UNIQUE INDEX "users_name_key" ON "users"("name")', 'postgresql')).statements[0]!;
    assert.deepEqual(index.touches, [
      { kind: 'table', name: 'users', use: 'write' },
      { kind: 'index', name: 'users_name_key', use: 'write', table: 'users' },
    ]);
    assert.deepEqual(await touches(`ALTER TYPE "Role" ADD VALUE 'admin'`, 'postgresql'), ['write:enum:Role']);
    assert.deepEqual(await touches('DROP TYPE "public"."Role_old"', 'postgresql'), ['write:enum:public.Role_old']);
    assert.deepEqual(await touches('CREATE TABLE "u" ("id" INTEGER REFERENCES "books"("id"), "role" "Role" NOT NULL, "title" TEXT)', 'postgresql'), [
      'write:table:u',
      'reference:table:books',
      'reference:enum:Role',
    ]);
    assert.deepEqual(await touches('ALTER TABLE "u" ADD CONSTRAINT "fk" FOREIGN KEY ("b") REFERENCES "books"("id")', 'postgresql'), ['write:table:u', 'reference:table:books']);
    assert.deepEqual(await touches('ALTER TABLE books RENAME TO b2', 'postgresql'), ['write:table:books', 'write:table:b2']);
    assert.deepEqual(await touches("COMMENT ON COLUMN books.title IS 'x'", 'postgresql'), ['write:table:books']);
    assert.deepEqual(await touches('GRANT SELECT ON books TO PUBLIC', 'postgresql'), ['write:table:books']);
    assert.deepEqual(await touches('COPY books FROM STDIN', 'postgresql'), ['write:table:books']);
    assert.deepEqual(await touches('CREATE VIEW v AS SELECT * FROM books', 'postgresql'), ['write:view:v', 'read:table:books']);
    assert.deepEqual(await touches('CREATE TRIGGER t BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION f()', 'postgresql'), ['write:table:books', 'write:trigger:t', 'reference:function:f']);
    assert.deepEqual(await touches('ALTER SEQUENCE books_id_seq RESTART', 'postgresql'), ['write:sequence:books_id_seq']);
    assert.deepEqual(await touches('SELECT * INTO copy FROM books', 'postgresql'), ['write:table:copy', 'read:table:books']);
    assert.deepEqual(await touches('ALTER TABLE users INHERIT books', 'postgresql'), ['write:table:users', 'write:table:books']);
    assert.deepEqual(await touches('CREATE TABLE b2 PARTITION OF books FOR VALUES IN (1)', 'postgresql'), ['write:table:b2', 'write:table:books']);
  });

  test('PostgreSQL: dynamic SQL is marked, whatever it hides', async () => {
    for (const sql of ["DO $$ BEGIN EXECUTE 'drop table books'; END $$", "SELECT query_to_xml('DELETE FROM books RETURNING 1', true, false, '')", 'CALL p()', 'PREPARE q AS DELETE FROM books', 'EXECUTE q', "CREATE PROCEDURE p() LANGUAGE sql AS 'DELETE FROM books'"]) {
      assert.equal((await planMigration(sql, 'postgresql')).statements[0]!.dynamic, true, sql);
    }
    assert.equal((await planMigration('DELETE FROM books', 'postgresql')).statements[0]!.dynamic, false);
  });

  test('SQLite: names keep their spelling (the comparison folds case), schemas and CTEs', async () => {
    assert.deepEqual(await touches('UPDATE OR IGNORE BOOKS SET title = 1', 'sqlite'), ['write:table:BOOKS']);
    assert.deepEqual(await touches('DELETE FROM "Books"', 'sqlite'), ['write:table:Books']);
    assert.deepEqual(await touches('DELETE FROM main.BOOKS', 'sqlite'), ['write:table:main.BOOKS']);
    assert.deepEqual(await touches('DROP TABLE "tmp", "books"', 'sqlite'), ['write:table:tmp', 'write:table:books']);
    assert.deepEqual(await touches("WITH s AS (SELECT '--') DELETE FROM books", 'sqlite'), ['write:table:books']);
    assert.deepEqual(await touches('WITH s AS (SELECT id FROM books) INSERT INTO users (id) SELECT id FROM s', 'sqlite'), ['read:table:books', 'write:table:users', 'read:table:s']);
    assert.deepEqual(await touches('REPLACE INTO `users` VALUES (1)', 'sqlite'), ['write:table:users']);
    assert.deepEqual(await touches('SELECT * FROM (SELECT 1 FROM reviews) AS s, books WHERE a IS DISTINCT FROM b', 'sqlite'), ['read:table:books', 'read:table:reviews']);
    assert.deepEqual(await touches('INSERT OR REPLACE INTO users SELECT * FROM books, main.authors AS a JOIN json_each(x)', 'sqlite'), ['write:table:users', 'read:table:books', 'read:table:main.authors']);
    assert.deepEqual(await touches('CREATE TEMP TABLE books (id INTEGER)', 'sqlite'), ['write:table:temp.books']);
    assert.deepEqual(await touches('ALTER TABLE users ADD COLUMN b INTEGER REFERENCES books(id)', 'sqlite'), ['write:table:users', 'reference:table:books']);
    assert.deepEqual(await touches('DROP INDEX IF EXISTS "books_title_idx"', 'sqlite'), ['write:index:books_title_idx']);
    assert.equal((await planMigration('PRAGMA writable_schema = ON', 'sqlite')).statements[0]!.dynamic, true);
    assert.equal((await planMigration("ATTACH 'app.db' AS again", 'sqlite')).statements[0]!.dynamic, true);
  });
});

describe('steps: the transaction model', () => {
  test("the engine's own enum-removal script (BEGIN … COMMIT) is exactly one transactional step", async () => {
    const script = `-- AlterEnum\nBEGIN;\nCREATE TYPE "Role_new" AS ENUM ('USER');\nALTER TABLE "users" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");\nALTER TYPE "Role" RENAME TO "Role_old";\nALTER TYPE "Role_new" RENAME TO "Role";\nDROP TYPE "public"."Role_old";\nCOMMIT;\n\n-- AlterTable\nALTER TABLE "users" ADD COLUMN "x" TEXT;\n`;
    const plan = await planMigration(script, 'postgresql');
    assert.deepEqual(plan.statements.map((s) => s.transactionControl), ['begin', undefined, undefined, undefined, undefined, undefined, 'commit', undefined]);
    assert.deepEqual(steps(plan), ['T[1,2,3,4,5]', 'T[7]']);
  });

  test('ALTER TYPE … ADD VALUE ends its step, so a later DEFAULT using the value runs after the commit', async () => {
    const script = `ALTER TYPE "Role" ADD VALUE 'GUEST';\nALTER TYPE "Role" ADD VALUE 'OWNER';\nALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'GUEST';\nALTER TABLE "users" ADD COLUMN "x" TEXT;`;
    const plan = await planMigration(script, 'postgresql');
    assert.deepEqual(plan.statements.map((s) => s.addsEnumValue ?? false), [true, true, false, false]);
    assert.deepEqual(steps(plan), ['T[0,1]', 'T[2,3]']);
  });

  test('CREATE INDEX CONCURRENTLY (and the like) is a step of its own, outside any transaction', async () => {
    const script = `ALTER TABLE "books" ADD COLUMN "isbn" TEXT;\nCREATE INDEX CONCURRENTLY "books_isbn_idx" ON "books"("isbn");\nUPDATE "books" SET "isbn" = '';\nVACUUM "books";`;
    const plan = await planMigration(script, 'postgresql');
    assert.deepEqual(plan.statements.map((s) => s.transaction), ['transactional', 'outside-transaction', 'transactional', 'outside-transaction']);
    assert.deepEqual(steps(plan), ['T[0]', 'N[1]', 'T[2]', 'N[3]']);
    for (const sql of ['DROP INDEX CONCURRENTLY i', 'REINDEX INDEX CONCURRENTLY i', 'CREATE DATABASE x', 'ALTER SYSTEM SET work_mem = 1']) {
      assert.equal((await planMigration(sql, 'postgresql')).statements[0]!.transaction, 'outside-transaction', sql);
    }
    assert.deepEqual(steps(await planMigration('DELETE FROM t; VACUUM; DELETE FROM t', 'sqlite')), ['T[0]', 'N[1]', 'T[2]']);
  });

  test('directives at the top: no-transaction makes every statement its own step; trusted is recorded', async () => {
    const plan = await planMigration('-- orchestrator: no-transaction\n-- orchestrator: trusted\nUPDATE a SET x = 1;\nUPDATE b SET x = 1;', 'postgresql');
    assert.deepEqual(plan.directives, { noTransaction: true, trusted: true });
    assert.deepEqual(steps(plan), ['N[0]', 'N[1]']);
    assert.deepEqual((await planMigration('--orchestrator:trusted, no-transaction\nSELECT 1', 'sqlite')).directives, { noTransaction: true, trusted: true });
    // Not at the top: an ordinary comment.
    assert.deepEqual((await planMigration('SELECT 1;\n-- orchestrator: trusted\nSELECT 2', 'sqlite')).directives, { noTransaction: false, trusted: false });
    assert.equal((await syntaxError('-- CreateTable\n-- orchestrator: no-transactions\nSELECT 1', 'postgresql')).line, 2);
  });

  test('transaction statements that do not pair up, or savepoints, are refused with their line', async () => {
    assert.equal((await syntaxError('SELECT 1;\nBEGIN;\nSELECT 2;', 'postgresql')).line, 2);
    assert.equal((await syntaxError('SELECT 1;\nCOMMIT;', 'sqlite')).line, 2);
    assert.equal((await syntaxError('BEGIN;\nSAVEPOINT a;\nCOMMIT;', 'postgresql')).line, 2);
    assert.equal((await syntaxError('BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (x);\nCOMMIT;', 'postgresql')).line, 2);
  });
});

describe('the ownership check reads plans', () => {
  const plugin = (name: string, dependsOn: string[] = []): Plugin => ({ name, version: '1.0.0', dependsOn, dir: `/p/${name}`, modelFiles: [], migrationsDir: `/p/${name}/migrations` });
  const ownership = (): ObjectOwnership => ({
    tables: new Map([
      ['books', 'one'],
      ['base_items', 'one'],
      ['_prisma_migrations_one', 'one'],
      ['users', 'two'],
      ['_prisma_migrations_two', 'two'],
      ['reviews', 'three'],
    ]),
    enums: new Map([['Role', 'one']]),
    indexes: new Map(),
  });

  async function check(sql: string, provider: Provider, options: { dependsOn?: string[]; live?: Map<string, string>; schema?: string } = {}): Promise<OwnershipFindings> {
    const plan = await planMigration(sql, provider);
    return checkMigrationOwnership({
      plugin: plugin('two', options.dependsOn ?? ['one']),
      dependencies: new Set(options.dependsOn ?? ['one']),
      migrations: [{ migration: { name: '20261126000000_bypass', dir: '/p/two/migrations/x', sqlPath: '/p/two/migrations/x/migration.sql', sql, checksum: '', acceptedChecksums: new Set<string>() }, plan }],
      ownership: ownership(),
      targetSchema: options.schema ?? (provider === 'postgresql' ? 'public' : 'main'),
      ...(options.live ? { liveIndexTables: options.live } : {}),
    });
  }
  const owners = (findings: OwnershipFindings) => findings.violations.map((v) => `${v.use}:${v.kind}:${v.object}:${v.owner}:${v.line}`);

  // Issue 11: each of these was applied to plugin one's table by plugin two, exit 0.
  const bypasses: Record<Provider, Record<string, string>> = {
    postgresql: {
      "UPDATE BOOKS SET title = 'x'": 'write:table:books:one:1',
      'DELETE FROM BASE_ITEMS': 'write:table:base_items:one:1',
      'DROP TABLE "tmp", "books"': 'write:table:books:one:1',
      "WITH s AS (SELECT '--') DELETE FROM books": 'write:table:books:one:1',
      'DROP INDEX "books_title_idx"': 'write:index:books_title_idx:one:1',
      "UPDATE public.BOOKS SET title = 'x'": 'write:table:books:one:1',
      'INSERT INTO "_prisma_migrations_one" (id) VALUES (1)': 'write:table:_prisma_migrations_one:one:1',
      'DROP TYPE "Role"': 'write:enum:Role:one:1',
    },
    sqlite: {
      "UPDATE BOOKS SET title = 'x'": 'write:table:BOOKS:one:1',
      'DELETE FROM BASE_ITEMS': 'write:table:BASE_ITEMS:one:1',
      'DROP TABLE "tmp", "books"': 'write:table:books:one:1',
      "WITH s AS (SELECT '--') DELETE FROM books": 'write:table:books:one:1',
      'DROP INDEX "books_title_idx"': 'write:index:books_title_idx:one:1',
      "UPDATE main.BOOKS SET title = 'x'": 'write:table:BOOKS:one:1',
      'DELETE FROM "Books"': 'write:table:Books:one:1',
      'CREATE TRIGGER t AFTER INSERT ON users BEGIN DELETE FROM books; END': 'write:table:books:one:1',
    },
  };
  for (const provider of ['postgresql', 'sqlite'] as const) {
    for (const [sql, expected] of Object.entries(bypasses[provider])) {
      test(`${provider}: plugin two's "${sql}" is refused`, async () => {
        const findings = await check(sql, provider, { live: new Map([['books_title_idx', 'books']]) });
        assert.deepEqual(owners(findings), [expected]);
      });
    }
  }

  test('DROP INDEX finds its owner through ownership.indexes, or the live catalog, or not at all', async () => {
    const plan = await planMigration('DROP INDEX "books_title_idx"', 'postgresql');
    const base = { plugin: plugin('two', ['one']), dependencies: new Set(['one']), migrations: [{ migration: { name: 'm', dir: '', sqlPath: '/m.sql', sql: '', checksum: '', acceptedChecksums: new Set<string>() }, plan }], targetSchema: 'public' };
    const viaMap = checkMigrationOwnership({ ...base, ownership: { ...ownership(), indexes: new Map([['books_title_idx', 'one']]) } });
    assert.deepEqual(owners(viaMap), ['write:index:books_title_idx:one:1']);
    const viaCatalog = checkMigrationOwnership({ ...base, ownership: ownership(), liveIndexTables: new Map([['books_title_idx', 'books']]) });
    assert.equal(viaCatalog.violations[0]!.table, 'books');
    assert.deepEqual(checkMigrationOwnership({ ...base, ownership: ownership() }).violations, []);
  });

  test('DO … EXECUTE is SQL_UNVERIFIABLE unless the migration is marked trusted', async () => {
    const sql = "SELECT 1;\nDO $$ BEGIN EXECUTE 'drop table books'; END $$;";
    const findings = await check(sql, 'postgresql');
    assert.deepEqual(findings.violations, []);
    assert.deepEqual(findings.unverifiable.map((u) => `${u.statement}:${u.line}`), ['DO:2']);
    assert.deepEqual((await check(`-- orchestrator: trusted\n${sql}`, 'postgresql')).unverifiable, []);
  });

  test('references and reads: fine for a dependency, refused for any other plugin', async () => {
    const fk = 'CREATE TABLE "x" ("id" INTEGER REFERENCES "books"("id"), "role" "Role")';
    assert.deepEqual(owners(await check(fk, 'postgresql')), []);
    assert.deepEqual(owners(await check(fk, 'postgresql', { dependsOn: [] })), ['reference:table:books:one:1', 'reference:enum:Role:one:1']);
    assert.deepEqual(owners(await check('INSERT INTO users (id) SELECT id FROM reviews', 'sqlite')), ['read:table:reviews:three:1']);
    assert.deepEqual(owners(await check('INSERT INTO users (id) SELECT id FROM books', 'sqlite')), []);
  });

  test("the plugin's own objects, unowned tables and other schemas are not this check's business", async () => {
    assert.deepEqual(owners(await check('UPDATE users SET name = 1; DELETE FROM app_settings; DROP TABLE other.books', 'postgresql')), []);
    assert.deepEqual(owners(await check('UPDATE USERS SET name = 1; DELETE FROM temp.books', 'sqlite')), []);
    // A tenant deploy: public.books is not the tenant's; tenant.books is.
    assert.deepEqual(owners(await check('DELETE FROM public.books', 'postgresql', { schema: 'tenant' })), []);
    assert.deepEqual(owners(await check('DELETE FROM tenant.books', 'postgresql', { schema: 'tenant' })), ['write:table:books:one:1']);
  });
});
