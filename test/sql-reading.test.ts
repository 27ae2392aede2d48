import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTransactionControl, splitSqlStatements } from '../orchestrator/database/split-sql-statements.ts';
import { tableReferences } from '../orchestrator/ownership/sql-table-references.ts';

describe('splitting migration scripts into statements', () => {
  test('semicolons inside strings, quoted names and comments do not split', () => {
    const script = `-- a comment; with a semicolon\nINSERT INTO "a;b" VALUES ('x;y', 'it''s; fine');\n/* block; comment */\nUPDATE t SET v = 1;\n-- trailing comment only\n`;
    assert.deepEqual(splitSqlStatements(script, 'sqlite'), [
      `-- a comment; with a semicolon\nINSERT INTO "a;b" VALUES ('x;y', 'it''s; fine')`,
      `/* block; comment */\nUPDATE t SET v = 1`,
    ]);
  });

  test('PostgreSQL dollar quotes and E-strings keep their semicolons', () => {
    const script = `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nSELECT E'a\\'; b';\nSELECT 2`;
    assert.deepEqual(splitSqlStatements(script, 'postgresql'), [
      `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql`,
      `SELECT E'a\\'; b'`,
      'SELECT 2',
    ]);
  });

  test('a SQLite trigger body stays one statement', () => {
    const script = `CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n END;\n  DELETE FROM c;\nEND;\nSELECT 1;`;
    assert.deepEqual(splitSqlStatements(script, 'sqlite'), [
      `CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN n > 0 THEN n END;\n  DELETE FROM c;\nEND`,
      'SELECT 1',
    ]);
  });

  test('transaction statements are recognised, other statements are not', () => {
    assert.equal(isTransactionControl('-- hi\nCOMMIT'), true);
    assert.equal(isTransactionControl('BEGIN TRANSACTION'), true);
    assert.equal(isTransactionControl('CREATE TABLE "begin" (id INT)'), false);
  });
});

describe('finding the tables a statement touches', () => {
  const refs = (sql: string) => tableReferences(sql).map((ref) => `${ref.use}:${ref.kind}:${ref.table}`);

  test("Prisma's SQLite table rebuild writes only the plugin's own tables", () => {
    assert.deepEqual(refs('CREATE TABLE "new_books" ("id" INTEGER, CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "authors" ("id") ON DELETE CASCADE ON UPDATE CASCADE)'), [
      'write:table:new_books',
      'reference:table:authors',
    ]);
    assert.deepEqual(refs('INSERT INTO "new_books" ("id") SELECT "id" FROM "books"'), ['write:table:new_books']);
    assert.deepEqual(refs('ALTER TABLE "new_books" RENAME TO "books"'), ['write:table:new_books', 'write:table:books']);
  });

  test('DML, indexes, schema-qualified names and enum types', () => {
    assert.deepEqual(refs('UPDATE public."users" SET name = \'UPDATE books\''), ['write:table:users']);
    assert.deepEqual(refs('DELETE FROM ONLY users WHERE 1=1'), ['write:table:users']);
    assert.deepEqual(refs('CREATE UNIQUE INDEX "users_name_key" ON "users"("name")'), ['write:table:users']);
    assert.deepEqual(refs('TRUNCATE TABLE books'), ['write:table:books']);
    assert.deepEqual(refs('ALTER TYPE "Role" ADD VALUE \'admin\''), ['write:enum:Role']);
    assert.deepEqual(refs('-- DROP TABLE books\nSELECT 1'), []);
  });
});
