import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPrismaCli } from '../orchestrator/engine/run-prisma-cli.ts';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** One step of a plugin's history: each edit's `from` must occur in the plugin's current models. */
interface Step {
  name: string;
  edits: { plugin: 'one' | 'two'; from: string; to: string }[];
}

/**
 * A history that exercises every kind of change on the example plugins (two depends on one, so
 * each generate also checks that a change to one's books never leaks into two's migrations).
 * Kinds share steps to keep the number of CLI runs, about 3 s each, down.
 */
const HISTORY: Step[] = [
  {
    name: 'add column and index',
    edits: [
      { plugin: 'one', from: '  author String?\n', to: '  author String?\n  year   Int     @default(2000)\n' },
      { plugin: 'one', from: '  @@map("books")', to: '  @@index([author])\n  @@map("books")' },
    ],
  },
  {
    name: 'add table drop column',
    edits: [
      { plugin: 'two', from: '  @@map("users")\n}\n', to: '  @@map("users")\n}\n\nmodel Group {\n  id   Int    @id @default(autoincrement())\n  name String @unique @db.VarChar(50)\n\n  @@map("groups")\n}\n' },
      { plugin: 'two', from: '  address        String?\n', to: '' },
    ],
  },
  { name: 'change type', edits: [{ plugin: 'one', from: '  year   Int     @default(2000)', to: '  year   String  @default("2000") @db.VarChar(4)' }] },
  {
    name: 'rename through map',
    edits: [
      // A database name changes: a column is replaced.
      { plugin: 'one', from: '  author String?\n', to: '  author String? @map("writer")\n' },
      // Only Prisma names change, database names stay: no SQL, so no migration for two.
      { plugin: 'two', from: 'model Group {\n  id   Int    @id @default(autoincrement())\n  name String', to: 'model Team {\n  id       Int    @id @default(autoincrement())\n  teamName String @map("name")' },
    ],
  },
];

const EXPECTED_MIGRATIONS = {
  one: ['init', 'add_column_and_index', 'change_type', 'rename_through_map'],
  two: ['init', 'add_table_drop_column'],
};

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`generate --engine cli writes the same files as the in-process engine, on ${provider}`, () => {
    let db: TestDatabase;
    let wasm: TempProject;
    let cli: TempProject;
    before(async () => {
      db = await createTestDatabase(provider);
      wasm = createTempProject(provider, examplePlugins());
      cli = createTempProject(provider, examplePlugins(), db.url);
    });
    after(async () => {
      wasm?.remove();
      cli?.remove();
      await db.drop();
    });

    test('step by step over a history of every kind of change, then the result deploys', async () => {
      const models = { one: examplePlugins().one!.models, two: examplePlugins().two!.models };
      const generate = async (name: string) => {
        const [byWasm, byCli] = await Promise.all([wasm.cli(['generate', '--accept-data-loss', '--name', name]), cli.cli(['generate', '--accept-data-loss', '--engine', 'cli', '--name', name])]);
        assert.equal(byWasm.exitCode, 0, byWasm.stderr);
        assert.equal(byCli.exitCode, 0, byCli.stderr);
        assertSameMigrations(wasm, cli, name);
      };

      await generate('init');
      for (const step of HISTORY) {
        for (const edit of step.edits) {
          assert.ok(models[edit.plugin].includes(edit.from), `step "${step.name}": the models do not contain ${JSON.stringify(edit.from)}`);
          models[edit.plugin] = models[edit.plugin].replace(edit.from, edit.to);
          for (const project of [wasm, cli]) project.writePlugin(edit.plugin, { models: models[edit.plugin], manifest: examplePlugins()[edit.plugin]!.manifest! });
        }
        await generate(step.name);
      }
      for (const plugin of ['one', 'two'] as const) {
        assert.deepEqual(cli.migrations(plugin).map(slug), EXPECTED_MIGRATIONS[plugin], `migrations of plugin ${plugin}`);
      }
      for (const name of cli.migrations('two')) {
        assert.doesNotMatch(cli.readMigration('two', name), /(CREATE|ALTER|DROP) TABLE "(public"\.")?books"/, `two's ${name} touches one's table`);
      }

      const deployed = await cli.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
      const tables = (await db.tables()).filter((table) => !table.startsWith('_prisma_migrations'));
      assert.deepEqual(tables, ['books', 'groups', 'users']);
    });
  });
}

describe('generate --engine cli when the CLI or the engine fails', () => {
  let project: TempProject;
  let dir: string;
  before(() => {
    project = createTempProject('sqlite', examplePlugins());
    dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-user-engine-'));
    writeFileSync(path.join(dir, 'my-schema-engine.mjs'), USER_ENGINE);
    chmodSync(path.join(dir, 'my-schema-engine.mjs'), 0o755);
  });
  after(() => {
    project?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an invalid model is refused before any engine runs, with Prisma's message, file and line, and nothing is written", async () => {
    project.writePlugin('one', { models: examplePlugins().one!.models.replace('author String?', 'author Strin?') });
    const result = await project.cli(['generate', '--engine', 'cli']);
    project.writePlugin('one', examplePlugins().one!);
    assert.equal(result.exitCode, 1);
    // Every plugin's models are read with Prisma's parser first, whichever engine diffs them.
    assert.match(result.stderr, /Error \[SCHEMA_INVALID\]: Plugin "one": its Prisma schema is invalid/);
    assert.match(result.stderr, /Type "Strin" is neither a built-in type/);
    assert.match(result.stderr, /-->\s+plugins\/one\/models\.prisma:\d+/);
    assert.match(result.stderr, /Fix: /);
    assert.deepEqual([project.migrations('one'), project.migrations('two')], [[], []]);
  });

  test("the user's own PRISMA_SCHEMA_ENGINE_BINARY is used as is, and its errors reach the user", async () => {
    const env = { PRISMA_SCHEMA_ENGINE_BINARY: path.join(dir, 'my-schema-engine.mjs') };

    const printed = await project.cli(['generate', '--engine', 'cli', 'one'], { ...env, USER_ENGINE_MODE: 'print' });
    assert.equal(printed.exitCode, 0, printed.stderr);
    const [migration] = project.migrations('one');
    assert.equal(project.readMigration('one', migration!), "-- written by the user's engine");
    rmSync(path.join(project.pluginDir('one'), 'migrations'), { recursive: true });

    const failed = await project.cli(['generate', '--engine', 'cli'], { ...env, USER_ENGINE_MODE: 'fail' });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /Error \[PRISMA_CLI_FAILED\]: Plugin "one": `prisma migrate diff` failed/);
    assert.match(failed.stderr, /the database is on fire/);
  });

  test('an engine that never answers is a timeout error naming the plugin, not a hang', async () => {
    const engine = path.join(dir, 'my-schema-engine.mjs');
    writeFileSync(path.join(dir, 'schema.prisma'), 'datasource db {\n  provider = "sqlite"\n}\n');
    const saved = { engine: process.env.PRISMA_SCHEMA_ENGINE_BINARY, mode: process.env.USER_ENGINE_MODE };
    Object.assign(process.env, { PRISMA_SCHEMA_ENGINE_BINARY: engine, USER_ENGINE_MODE: 'hang' });
    try {
      const started = Date.now();
      await assert.rejects(
        runPrismaCli(['migrate', 'diff', '--from-empty', '--to-schema', 'schema.prisma', '--script'], { plugin: 'one', cwd: dir, timeoutMs: 5000 }),
        (error: unknown) => error instanceof OrchestratorError && error.code === 'PRISMA_CLI_FAILED' && /^Plugin "one": `prisma migrate diff` failed \(no answer within 5 s\)/.test(error.message),
      );
      assert.ok(Date.now() - started < 20_000);
    } finally {
      for (const [key, value] of [['PRISMA_SCHEMA_ENGINE_BINARY', saved.engine], ['USER_ENGINE_MODE', saved.mode]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  test('a PRISMA_SCHEMA_ENGINE_BINARY that does not exist is a clear error saying how to fix it', async () => {
    const result = await project.cli(['generate', '--engine', 'cli'], { PRISMA_SCHEMA_ENGINE_BINARY: path.join(dir, 'nowhere') });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /Error \[ENGINE_MISSING\]: Plugin "one": cannot run `prisma migrate diff`\. PRISMA_SCHEMA_ENGINE_BINARY is set to/);
    assert.match(result.stderr, /Fix: .*unset it/);
  });
});

/**
 * A minimal schema engine, as a user might point PRISMA_SCHEMA_ENGINE_BINARY at: it answers
 * --version, then any request either by printing a fixed script or with a JSON-RPC error.
 */
const USER_ENGINE = `#!/usr/bin/env node
import { createInterface } from 'node:readline';
if (process.argv.includes('--version')) { console.log('schema-engine-cli 0edf323efd1d98336f3f0a68684b56f689b900d3'); process.exit(0); }
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\\n');
let request;
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === undefined) return send({ id: request.id, result: { exitCode: 2 } });
  request = message;
  if (process.env.USER_ENGINE_MODE === 'hang') return;
  if (process.env.USER_ENGINE_MODE === 'fail') {
    return send({ id: message.id, error: { code: 4466, message: 'An error happened.', data: { is_panic: false, message: 'the database is on fire', meta: {}, error_code: 'P1001' } } });
  }
  send({ id: 1000, method: 'print', params: { content: "-- written by the user's engine" } });
});
`;

function slug(name: string): string {
  return name.replace(/^\d{14}_/, '');
}

/** Same migration names (timestamps aside) and byte-identical files in every migration folder. */
function assertSameMigrations(a: TempProject, b: TempProject, step: string): void {
  for (const plugin of ['one', 'two']) {
    const left = a.migrations(plugin);
    const right = b.migrations(plugin);
    assert.deepEqual(right.map(slug), left.map(slug), `after "${step}", plugin ${plugin} has different migrations`);
    const lock = (project: TempProject) => readFileSync(path.join(project.pluginDir(plugin), 'migrations', 'migration_lock.toml'));
    assert.ok(lock(a).equals(lock(b)), `after "${step}", plugin ${plugin}: migration_lock.toml differs`);
    left.forEach((name, index) => {
      const leftDir = path.join(a.pluginDir(plugin), 'migrations', name);
      const rightDir = path.join(b.pluginDir(plugin), 'migrations', right[index]!);
      assert.deepEqual(readdirSync(rightDir).sort(), readdirSync(leftDir).sort());
      for (const file of readdirSync(leftDir)) {
        const expected = readFileSync(path.join(leftDir, file), 'utf8');
        const actual = readFileSync(path.join(rightDir, file), 'utf8');
        assert.equal(actual, expected, `after "${step}", plugin ${plugin}, ${name}/${file}: the cli engine wrote different bytes`);
      }
    });
  }
}
