import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { InProcessDiffEngine } from '../orchestrator/engine/in-process-diff-engine.ts';
import { checkMigrationOwnership } from '../orchestrator/ownership/check-migration-ownership.ts';
import type { MigrationPlan } from '../orchestrator/sql/migration-plan.ts';
import { planMigration } from '../orchestrator/sql/plan-migration.ts';

/**
 * What Prisma's own schema engine writes, planned: every script of a series of schema changes
 * must read without error, with nothing dynamic, touching only the plugin's own objects (and
 * referencing only its dependency's), in steps that PostgreSQL can run.
 */
const engine = new InProcessDiffEngine();
after(() => engine.close());

const header = (provider: Provider) => `datasource db {\n  provider = "${provider}"\n}\n`;
/** A dependency's table, external to the plugin's diff (with the back-relation Prisma requires). */
const DEPENDENCY = `model Shelf {\n  id Int @id\n  books Book[]\n  @@map("shelves")\n}\n`;

async function diff(provider: Provider, from: string | null, to: string): Promise<string> {
  const files = (models: string) => [{ path: 'schema.prisma', content: header(provider) + DEPENDENCY + models }];
  return engine.diff({ plugin: 'p', provider, from: from === null ? null : files(from), to: files(to), externalTables: ['shelves'], externalEnums: [] });
}

function assertOwnObjectsOnly(plan: MigrationPlan, sql: string): void {
  for (const statement of plan.statements) assert.equal(statement.dynamic, false, statement.sql);
  const findings = checkMigrationOwnership({
    plugin: { name: 'p', version: '1', dependsOn: ['dep'], dir: '', modelFiles: [], migrationsDir: '' },
    dependencies: new Set(['dep']),
    migrations: [{ migration: { name: 'm', dir: '', sqlPath: 'migration.sql', sql, checksum: '', acceptedChecksums: new Set<string>() }, plan }],
    ownership: {
      tables: new Map([['shelves', 'dep'], ['_prisma_migrations_dep', 'dep'], ['books', 'p'], ['authors', 'p'], ['_AuthorToBook', 'p'], ['new_books', 'p']]),
      enums: new Map([['Role', 'p']]),
      indexes: new Map(),
    },
    targetSchema: plan.provider === 'postgresql' ? 'public' : 'main',
  });
  assert.deepEqual(findings, { violations: [], unverifiable: [] }, sql);
  // Only the plugin's objects are written: the dependency's table is at most referenced.
  const written = plan.statements.flatMap((s) => s.touches.filter((t) => t.use === 'write').map((t) => t.name));
  assert.ok(!written.includes('shelves'), sql);
}

const steps = (plan: MigrationPlan) => plan.steps.map((step) => `${step.transactional ? 'T' : 'N'}${step.statements.length}`);

describe("planning the SQL Prisma's schema engine writes", () => {
  test('PostgreSQL: tables, enums, relations, a join table, indexes; then enum value added, removed', async () => {
    const schema1 = `enum Role {\n  USER\n  ADMIN\n}\nmodel Book {\n  id Int @id @default(autoincrement())\n  title String @db.VarChar(30)\n  role Role @default(USER)\n  shelfId Int?\n  shelf Shelf? @relation(fields: [shelfId], references: [id])\n  authors Author[]\n  @@index([title])\n  @@map("books")\n}\nmodel Author {\n  id Int @id\n  books Book[]\n  @@map("authors")\n}\n`;
    const create = await diff('postgresql', null, schema1);
    const plan1 = await planMigration(create, 'postgresql');
    assert.ok(plan1.statements.some((s) => s.kind === 'CREATE TYPE … AS ENUM'), create);
    assert.ok(plan1.statements.some((s) => s.touches.some((t) => t.kind === 'index' && t.name === 'books_title_idx')), create);
    assert.ok(plan1.statements.some((s) => s.touches.some((t) => t.use === 'reference' && t.name === 'shelves')), create);
    assertOwnObjectsOnly(plan1, create);
    assert.deepEqual(steps(plan1), [`T${plan1.statements.length}`]);

    // A new enum value used as the default at once: the ADD VALUE commits first.
    const v2 = schema1.replace('  ADMIN\n', '  ADMIN\n  GUEST\n').replace('@default(USER)', '@default(GUEST)');
    const addValue = await diff('postgresql', schema1, v2);
    const plan2 = await planMigration(addValue, 'postgresql');
    assert.deepEqual(steps(plan2), ['T1', 'T1'], addValue);
    assert.equal(plan2.steps[0]!.statements[0]!.addsEnumValue, true);
    assertOwnObjectsOnly(plan2, addValue);

    // Removing a value: the engine writes its own BEGIN … COMMIT, which becomes one step.
    const v3 = v2.replace('  ADMIN\n', '');
    const removeValue = await diff('postgresql', v2, v3);
    assert.match(removeValue, /BEGIN;/);
    const plan3 = await planMigration(removeValue, 'postgresql');
    assert.ok(plan3.statements.some((s) => s.transactionControl === 'begin'));
    assert.ok(plan3.steps.every((step) => step.transactional && step.statements.every((s) => s.transactionControl === undefined)));
    assertOwnObjectsOnly(plan3, removeValue);

    // Dropping a model (and with it the join table), adding a required column.
    const v4 = v3.replace(/model Author \{[\s\S]*?\n\}\n/, '').replace('  authors Author[]\n', '').replace('  shelfId Int?', '  pages Int @default(1)\n  shelfId Int?');
    const drop = await diff('postgresql', v3, v4);
    const plan4 = await planMigration(drop, 'postgresql');
    assert.ok(plan4.statements.some((s) => s.kind === 'DROP TABLE'), drop);
    assertOwnObjectsOnly(plan4, drop);
  });

  test('SQLite: tables, relations, indexes; then a table rebuild (PRAGMA, new_, copy, drop, rename) and a drop', async () => {
    const v1 = `model Book {\n  id Int @id @default(autoincrement())\n  title String\n  shelfId Int?\n  shelf Shelf? @relation(fields: [shelfId], references: [id])\n  authors Author[]\n  @@index([title])\n  @@map("books")\n}\nmodel Author {\n  id Int @id\n  books Book[]\n  @@map("authors")\n}\n`;
    const create = await diff('sqlite', null, v1);
    const plan1 = await planMigration(create, 'sqlite');
    assert.ok(plan1.statements.some((s) => s.touches.some((t) => t.kind === 'index' && t.name === 'books_title_idx')), create);
    assert.ok(plan1.statements.some((s) => s.touches.some((t) => t.use === 'reference' && t.name === 'shelves')), create);
    assertOwnObjectsOnly(plan1, create);

    const v2 = v1.replace('  title String\n', '  title String\n  pages Int @default(1)\n  isbn String @default("")\n');
    const rebuild = await diff('sqlite', v1, v2);
    const plan2 = await planMigration(rebuild, 'sqlite');
    assert.ok(plan2.statements.some((s) => s.kind === 'PRAGMA'), rebuild);
    assert.ok(plan2.statements.some((s) => s.kind === 'ALTER TABLE … RENAME TO'), rebuild);
    assertOwnObjectsOnly(plan2, rebuild);
    assert.deepEqual(steps(plan2), [`T${plan2.statements.length}`]);

    const v3 = v2.replace(/model Author \{[\s\S]*?\n\}\n/, '').replace('  authors Author[]\n', '');
    const drop = await diff('sqlite', v2, v3);
    const plan3 = await planMigration(drop, 'sqlite');
    assert.ok(plan3.statements.some((s) => s.kind === 'DROP TABLE'), drop);
    assertOwnObjectsOnly(plan3, drop);
  });
});
