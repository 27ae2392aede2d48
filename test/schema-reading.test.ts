import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../orchestrator/config/load-project.ts';
import type { Provider } from '../orchestrator/config/provider.ts';
import { InProcessDiffEngine } from '../orchestrator/engine/in-process-diff-engine.ts';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { readProjectSchemas, type ProjectSchemas } from '../orchestrator/generate/plan-migrations.ts';
import { collectOwnership } from '../orchestrator/ownership/collect-ownership.ts';
import { discoverPlugins } from '../orchestrator/plugins/discover-plugins.ts';
import { lintSchema } from '../orchestrator/schema/prisma-schema-wasm.ts';
import { readSnapshot } from '../orchestrator/schema/read-snapshot.ts';
import { REPO_ROOT, createTempProject, type PluginFixture } from './support/temp-project.ts';

// Fast: Prisma's parser in process, project folders on disk, no database.

const plugin = (models: string, dependsOn: string[] = []): PluginFixture => ({ models, manifest: { version: '1.0.0', dependsOn } });
const cleanup: (() => void)[] = [];
after(() => cleanup.forEach((step) => step()));

function read(provider: Provider, plugins: Record<string, PluginFixture>): ProjectSchemas {
  const temp = createTempProject(provider, plugins);
  cleanup.push(() => temp.remove());
  const project = loadProject(temp.root, {});
  return readProjectSchemas(project, discoverPlugins(project.pluginsDir));
}

function refusal(provider: Provider, plugins: Record<string, PluginFixture>): OrchestratorError {
  try {
    read(provider, plugins);
  } catch (error) {
    if (error instanceof OrchestratorError) return error;
    throw error;
  }
  assert.fail('expected the project to be refused');
}

/** A composed schema must be one Prisma accepts as it is. */
function assertValid(schemas: ProjectSchemas, name: string): string {
  const schema = schemas.schemas.get(name)!;
  assert.deepEqual(lintSchema(schema.files).filter((d) => !d.isWarning), [], `composed schema of ${name} is valid`);
  return schema.files.find((file) => file.path.startsWith('dependencies/'))?.content ?? '';
}

const BOOKS = plugin(`model Book {\n  id    Int    @id @default(autoincrement())\n  title String\n\n  @@map("books")\n}\n`);

describe('reading plugin schemas with Prisma\'s parser', () => {
  test('implicit many-to-many: the join table belongs to the declaring plugin and is external to its dependents', () => {
    const schemas = read('postgresql', {
      a: plugin(`model A {\n  id Int @id\n  bs B[]\n}\n\nmodel B {\n  id Int @id\n  as A[]\n}\n`),
      c: plugin(`model C {\n  id  Int @id\n  aId Int\n  a   A   @relation(fields: [aId], references: [id])\n}\n`, ['a']),
    });
    assert.deepEqual(schemas.models.get('a')!.joinTables, ['_AToB']);
    assert.ok(schemas.schemas.get('a')!.tables.includes('_AToB'));
    assert.ok(schemas.schemas.get('c')!.externalTables.includes('_AToB'));
    const ownership = collectOwnership(schemas.models.values());
    assert.equal(ownership.tables.get('_AToB'), 'a');
    assert.equal(ownership.indexes.get('_AToB_AB_pkey'), 'a');
    assertValid(schemas, 'c');
  });

  test('a list field to a dependency\'s model is a many-to-many relation whose join table the dependent owns', () => {
    const schemas = read('sqlite', { one: BOOKS, shelf: plugin(`model Shelf {\n  id    Int    @id\n  books Book[]\n}\n`, ['one']) });
    assert.deepEqual(schemas.models.get('shelf')!.joinTables, ['_BookToShelf']);
    assert.equal(collectOwnership(schemas.models.values()).tables.get('_BookToShelf'), 'shelf');
    assert.match(assertValid(schemas, 'shelf'), /  shelfBooks Shelf\[\] \/\/ added by the orchestrator/);
  });

  test('one-to-one on the model\'s @id, @@id, @unique or @@unique gets an optional back field; otherwise a list', () => {
    const dependent = plugin(
      [
        `model OnId {\n  bookId Int  @id\n  book   Book @relation(fields: [bookId], references: [id])\n}\n`,
        `model OnUnique {\n  id     Int  @id\n  bookId Int  @unique\n  book   Book @relation(fields: [bookId], references: [id])\n}\n`,
        `model OnCompound {\n  bookId Int\n  kind   Int\n  book   Book @relation(fields: [bookId], references: [id])\n\n  @@unique([bookId])\n  @@id([bookId, kind])\n}\n`,
        `model Many {\n  id     Int  @id\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n\n  @@unique([id, bookId])\n}\n`,
      ].join('\n'),
      ['one'],
    );
    const copy = assertValid(read('postgresql', { one: BOOKS, two: dependent }), 'two');
    assert.match(copy, /  onIdBook OnId\? /);
    assert.match(copy, /  onUniqueBook OnUnique\? /);
    assert.match(copy, /  onCompoundBook OnCompound\? /);
    assert.match(copy, /  manyBook Many\[\] /);
    const editions = plugin(`model Edition {\n  bookId Int\n  n      Int\n\n  @@id([bookId, n])\n}\n`);
    const pair = plugin(`model Pair {\n  bookId  Int\n  n       Int\n  edition Edition @relation(fields: [bookId, n], references: [bookId, n])\n\n  @@id([bookId, n])\n}\n`, ['one']);
    assert.match(assertValid(read('postgresql', { one: editions, two: pair }), 'two'), /pairEdition Pair\?/);
    // Prisma takes a key in another order for one-to-many.
    const reordered = { ...pair, models: pair.models.replace('@@id([bookId, n])', '@@id([n, bookId])') };
    assert.match(assertValid(read('postgresql', { one: editions, two: reordered }), 'two'), /pairEdition Pair\[\]/);
  });

  test('two relations to one dependency model get distinct back fields, and named relations keep their names', () => {
    const schemas = read('postgresql', {
      one: BOOKS,
      two: plugin(
        `model User {\n  id             Int   @id\n  favoriteBookId Int?\n  favoriteBook   Book? @relation(fields: [favoriteBookId], references: [id])\n  lentId         Int?\n  lent           Book? @relation("lent", fields: [lentId], references: [id])\n  readId         Int?\n  read           Book? @relation("read", fields: [readId], references: [id])\n}\n\nmodel UserFavorite {\n  id     Int  @id\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n}\n`,
        ['one'],
      ),
    });
    const copy = assertValid(schemas, 'two');
    assert.match(copy, /  userFavoriteBook User\[\] \/\/ .*User\.favoriteBook/);
    assert.match(copy, /  userFavoriteBook2 UserFavorite\[\] \/\/ .*UserFavorite\.book/);
    assert.match(copy, /  userLent User\[\] @relation\("lent"\)/);
    assert.match(copy, /  userRead User\[\] @relation\("read"\)/);
  });

  test('back fields of a chain: a plugin two levels down sees the back fields of the middle plugin', () => {
    const schemas = read('sqlite', {
      one: BOOKS,
      two: plugin(`model Review {\n  id     Int  @id\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n}\n`, ['one']),
      three: plugin(`model Vote {\n  id       Int    @id\n  reviewId Int\n  bookId   Int\n  review   Review @relation(fields: [reviewId], references: [id])\n  book     Book   @relation(fields: [bookId], references: [id])\n}\n`, ['two']),
    });
    const schema = schemas.schemas.get('three')!;
    assert.deepEqual(lintSchema(schema.files).filter((d) => !d.isWarning), []);
    const one = schema.files.find((file) => file.path === 'dependencies/one.prisma')!.content;
    assert.match(one, /reviewBook Review\[\]/);
    assert.match(one, /voteBook Vote\[\]/);
    assert.match(schema.files.find((file) => file.path === 'dependencies/two.prisma')!.content, /voteReview Vote\[\]/);
    assert.deepEqual(schema.externalTables.sort(), ['Review', 'books']);
  });

  test('models with one name in independent plugins are fine; a plugin depending on both is refused naming both', () => {
    const users = (table: string) => plugin(`model User {\n  id Int @id\n\n  @@map("${table}")\n}\n`);
    read('sqlite', { a: users('a_users'), b: users('b_users') });
    const error = refusal('sqlite', { a: users('a_users'), b: users('b_users'), c: plugin(`model C {\n  id Int @id\n}\n`, ['a', 'b']) });
    assert.equal(error.code, 'PLUGIN_MODELS_INVALID');
    assert.match(error.message, /Plugin "c" depends on "a" and "b", which both declare User \(plugins\/a\/models\.prisma:1, plugins\/b\/models\.prisma:1\)/);
    const own = refusal('sqlite', { a: users('a_users'), b: plugin(`model Other {\n  id Int @id\n}\n\nmodel User {\n  id Int @id\n}\n`, ['a']) });
    assert.match(own.message, /plugins\/b\/models\.prisma:5 declares User, and plugin "a", which it depends on, declares User too/);
  });

  test('SQLite: native types are removed where Prisma locates them, never inside strings or comments', () => {
    const source = `// keep @db.Text in this comment\nmodel Note {\n  id   Int    @id\n  body String @default("store it as @db.Text please") @db.VarChar(30)\n  tag  String @db.Text // é @db.Char(2)\n}\n`;
    const file = read('sqlite', { notes: plugin(source) }).models.get('notes')!.files[0]!;
    assert.equal(
      file.content,
      `// keep @db.Text in this comment\nmodel Note {\n  id   Int    @id\n  body String @default("store it as @db.Text please")\n  tag  String // é @db.Char(2)\n}\n`,
    );
    assert.equal(read('postgresql', { notes: plugin(source) }).models.get('notes')!.files[0]!.content, source);
  });

  test('an invalid schema is refused with Prisma\'s message, naming the plugin\'s file and line', () => {
    const error = refusal('sqlite', { one: BOOKS, two: plugin(`model User {\n  id   Int   @id\n  name Strin\n}\n`, ['one']) });
    assert.equal(error.code, 'SCHEMA_INVALID');
    assert.match(error.message, /Type "Strin" is neither a built-in type/);
    assert.match(error.message, /--> {2}plugins\/two\/models\.prisma:3/);
  });

  test('a relation to a plugin that is not a dependency names the field and the plugin', () => {
    const error = refusal('sqlite', { one: BOOKS, two: plugin(`model User {\n  id     Int  @id\n  bookId Int\n  book   Book @relation(fields: [bookId], references: [id])\n}\n`) });
    assert.equal(error.code, 'PLUGIN_MODELS_INVALID');
    assert.match(error.message, /User\.book relates to model Book of plugin "one", which "two" does not depend on/);
  });

  test('a single relation field to a dependency\'s model without a foreign key is refused with its line', () => {
    const error = refusal('sqlite', { one: BOOKS, two: plugin(`model User {\n  id   Int   @id\n  book Book?\n}\n`, ['one']) });
    assert.equal(error.code, 'PLUGIN_MODELS_INVALID');
    assert.match(error.message, /plugins\/two\/models\.prisma:3, field User\.book is the side of a relation without the foreign key, so the key would have to go into "one"'s table Book/);
  });

  test('a datasource or generator block in a plugin file is refused with its line', () => {
    const error = refusal('sqlite', { one: plugin(`model A {\n  id Int @id\n}\n\ngenerator client {\n  provider = "prisma-client"\n}\n`) });
    assert.equal(error.code, 'PLUGIN_MODELS_INVALID');
    assert.match(error.message, /plugins\/one\/models\.prisma:5 declares a generator block/);
  });

  const badNames: { name: string; provider: Provider; models: string; message: RegExp }[] = [
    { name: 'a double quote in a table name', provider: 'postgresql', models: `model A {\n  id Int @id\n\n  @@map("a\\"b")\n}\n`, message: /models\.prisma:1 \(A\): the table name "a\\"b" contains a double quote/ },
    { name: 'a double quote in a column name', provider: 'sqlite', models: `model A {\n  id Int @id @map("i\\"d")\n}\n`, message: /\(A\): the column name "i\\"d" contains a double quote/ },
    { name: 'an empty table name', provider: 'sqlite', models: `model A {\n  id Int @id\n\n  @@map("")\n}\n`, message: /the table name "" is empty/ },
    { name: 'a single quote in an enum value on PostgreSQL', provider: 'postgresql', models: `model A {\n  id Int @id\n  k  Kind\n}\n\nenum Kind {\n  ITS @map("it's")\n}\n`, message: /models\.prisma:6 \(Kind\): the value ITS of enum Kind is stored as "it's", which contains a single quote/ },
    { name: 'a table named sqlite_… on SQLite', provider: 'sqlite', models: `model A {\n  id Int @id\n\n  @@map("sqlite_x")\n}\n`, message: /the table name "sqlite_x" starts with "sqlite_"/ },
    { name: 'a name PostgreSQL would cut to 63 bytes', provider: 'postgresql', models: `model A {\n  id Int @id\n\n  @@map("${'t'.repeat(64)}")\n}\n`, message: /is longer than postgresql's 63 bytes/ },
  ];
  for (const { name, provider, models, message } of badNames) {
    test(`refused names: ${name} (${provider})`, () => {
      const error = refusal(provider, { names: plugin(models) });
      assert.equal(error.code, 'SCHEMA_INVALID');
      assert.match(error.message, /Plugin "names": names that would produce SQL failing/);
      assert.match(error.message, message);
    });
  }

  test('names with quotes that the engine does escape are accepted: string defaults, and enum values on SQLite', () => {
    read('postgresql', { ok: plugin(`model A {\n  id Int    @id\n  s  String @default("it's \\"quoted\\"")\n}\n`) });
    read('sqlite', { ok: plugin(`model A {\n  id Int  @id\n  k  Kind @default(ITS)\n}\n\nenum Kind {\n  ITS @map("it's")\n}\n`) });
  });

  test('a name claimed by two plugins is a conflict naming both, with file and line', () => {
    const error = refusal('sqlite', { x: plugin('model X {\n  id Int @id\n\n  @@map("shared")\n}\n'), y: plugin('// y\nmodel Y {\n  id Int @id\n\n  @@map("shared")\n}\n') });
    assert.equal(error.code, 'OWNERSHIP_CONFLICT');
    assert.match(error.message, /table "shared" is claimed by two plugins: "x" and "y" \(x's X at plugins\/x\/models\.prisma:1; y's Y at plugins\/y\/models\.prisma:2\)/);
    const index = refusal('sqlite', { x: plugin('model X {\n  id Int @id\n  n  Int\n\n  @@index([n], map: "by_n")\n}\n'), y: plugin('model Y {\n  id Int @id\n  n  Int\n\n  @@index([n], map: "by_n")\n}\n') });
    assert.match(index.message, /index or constraint "by_n" is claimed by two plugins: "x" and "y"/);
  });

  for (const provider of ['sqlite', 'postgresql'] as const) {
    test(`index and constraint names match the ones the engine writes (${provider})`, async () => {
      const long = 'a_table_name_long_enough_to_be_cut_by_postgresql_at_63';
      const schemas = read(provider, {
        one: plugin(
          `model Parent {\n  id Int @id\n  kids Kid[]\n}\n\nmodel Kid {\n  id       Int    @id\n  parentId Int    @map("parent_id")\n  code     String\n  other    String @unique\n  parent   Parent @relation(fields: [parentId], references: [id])\n\n  @@unique([code, parentId])\n  @@index([code])\n  @@index([other], map: "explicit_idx")\n  @@map("${long}")\n}\n\nmodel Tag {\n  id  Int @id\n  kid Kid2[]\n}\n\nmodel Kid2 {\n  id   Int   @id\n  tags Tag[]\n}\n`,
        ),
      });
      const engine = new InProcessDiffEngine();
      try {
        const sql = await engine.diff({ plugin: 'one', provider, from: null, to: schemas.schemas.get('one')!.files, externalTables: [], externalEnums: [] });
        const written = [...sql.matchAll(/(?:CONSTRAINT|INDEX) "([^"]+)"/g)].map((match) => match[1]!).sort();
        const owned = [...collectOwnership(schemas.models.values()).indexes.keys()].sort();
        for (const name of written) assert.ok(owned.includes(name), `${name} (written by the engine) is owned: ${owned.join(', ')}`);
        if (provider === 'postgresql') assert.deepEqual(owned, written);
      } finally {
        await engine.close();
      }
    });
  }

  test('the shipped snapshots are still read as the "from" state: own tables and the dependency\'s apart', () => {
    const dir = path.join(REPO_ROOT, 'plugins/two/migrations');
    const migration = readFileSync(path.join(dir, '20261124153350_init/snapshot.prisma'), 'utf8');
    const state = readSnapshot('two', { path: 'snapshot.prisma', content: migration });
    assert.deepEqual([...state.ownTables], ['users']);
    assert.deepEqual([...state.foreignTables], ['books']);
  });
});
