import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import type { Provider } from '../orchestrator/config/provider.ts';
import { WASM_ENGINE_LAUNCHER, resolveSchemaEngine } from '../orchestrator/engine/resolve-schema-engine.ts';
import { locatePrismaCli } from '../orchestrator/engine/run-prisma-cli.ts';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { REPO_ROOT } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** The official CLI, as a user runs it; the only help it gets is the env var naming our engine. */
const PRISMA = path.join(REPO_ROOT, 'node_modules/.bin/prisma');
/** A hang (an engine that never answers) must fail the test, not stall the suite. */
const TIMEOUT_MS = 60_000;
const ENGINES_VERSION = '0edf323efd1d98336f3f0a68684b56f689b900d3';

function schema(provider: Provider, models: string): string {
  return `datasource db {\n  provider = "${provider}"\n}\n\ngenerator client {\n  provider = "prisma-client"\n  output   = "./generated/client"\n}\n\n${models}`;
}

const USERS = `model User {
  id   Int    @id @default(autoincrement())
  name String

  @@map("users")
}
`;

/** Relations, an enum, indexes and checks: what the engine's PostgreSQL describer must read back. */
const RICH = `enum Role {
  ADMIN
  MEMBER
}

model Author {
  id      Int      @id @default(autoincrement())
  email   String   @unique
  role    Role     @default(MEMBER)
  created DateTime @default(now())
  books   Book[]

  @@map("authors")
}

model Book {
  id       Int    @id @default(autoincrement())
  title    String
  authorId Int
  author   Author @relation(fields: [authorId], references: [id], onDelete: Cascade)

  @@unique([authorId, title])
  @@index([title])
  @@map("books")
}
`;

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`the real Prisma CLI with the WebAssembly schema engine, on ${provider}`, () => {
    let db: TestDatabase;
    let dir: string;
    const prisma = (args: string[], env: Record<string, string> = {}) =>
      execa(PRISMA, args, {
        cwd: dir,
        reject: false,
        timeout: TIMEOUT_MS,
        env: { PRISMA_SCHEMA_ENGINE_BINARY: WASM_ENGINE_LAUNCHER, CHECKPOINT_DISABLE: '1', ...env },
      });
    const writeConfig = (file: string, config: Record<string, unknown>) => writeFileSync(path.join(dir, file), `export default ${JSON.stringify(config)};\n`);
    const qualify = (table: string) => (provider === 'postgresql' ? `public.${table}` : table);

    before(async () => {
      db = await createTestDatabase(provider);
      dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-engine-'));
      writeFileSync(path.join(dir, 'schema.prisma'), schema(provider, USERS));
      writeFileSync(path.join(dir, 'rich.prisma'), schema(provider, RICH));
      writeFileSync(path.join(dir, 'invalid.prisma'), schema(provider, USERS.replace('name String', 'name Strin')));
      writeConfig('prisma.config.ts', {
        datasource: { url: db.url },
        experimental: { externalTables: true },
        tables: { external: [qualify('legacy')] },
      });
      writeConfig('unfiltered.config.ts', { datasource: { url: db.url } });
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    });

    test('--version reports the engine, and validate and generate work with no download', async () => {
      const version = await prisma(['--version']);
      assert.equal(version.exitCode, 0, version.stderr);
      assert.match(version.stdout, new RegExp(`Schema Engine\\s*: schema-engine-cli ${ENGINES_VERSION} \\(at .*schema-engine-launcher\\.mjs, resolved by PRISMA_SCHEMA_ENGINE_BINARY\\)`));

      const validate = await prisma(['validate', '--schema', 'schema.prisma']);
      assert.equal(validate.exitCode, 0, validate.stderr);
      assert.match(validate.stdout, /is valid/);

      const generate = await prisma(['generate', '--schema', 'schema.prisma']);
      assert.equal(generate.exitCode, 0, generate.stderr);
      assert.ok(existsSync(path.join(dir, 'generated/client/client.ts')), 'prisma generate wrote no client');
    });

    test('migrate diff from empty to a schema prints the script; --exit-code says 2 for a difference', async () => {
      const diff = await prisma(['migrate', 'diff', '--from-empty', '--to-schema', 'schema.prisma', '--script', '--exit-code']);
      assert.equal(diff.exitCode, 2, diff.stderr);
      assert.match(diff.stdout, /-- CreateTable\nCREATE TABLE "users" \(/);
      const same = await prisma(['migrate', 'diff', '--from-schema', 'schema.prisma', '--to-schema', 'schema.prisma', '--script', '--exit-code']);
      assert.equal(same.exitCode, 0, same.stderr);
    });

    test('migrate diff against the live database honours tables.external from prisma.config.ts', async () => {
      await db.exec('CREATE TABLE legacy (id INTEGER PRIMARY KEY, title TEXT)');
      const filtered = await prisma(['migrate', 'diff', '--from-config-datasource', '--to-schema', 'schema.prisma', '--script']);
      assert.equal(filtered.exitCode, 0, filtered.stderr);
      assert.match(filtered.stdout, /CREATE TABLE "users"/);
      assert.doesNotMatch(filtered.stdout, /legacy/);

      const unfiltered = await prisma(['migrate', 'diff', '--config', 'unfiltered.config.ts', '--from-config-datasource', '--to-schema', 'schema.prisma', '--script']);
      assert.equal(unfiltered.exitCode, 0, unfiltered.stderr);
      assert.match(unfiltered.stdout, /DROP TABLE "(public"\.")?legacy"/);
      await db.exec('DROP TABLE legacy');
    });

    test('a database with relations, an enum and indexes reads back as exactly its schema', async () => {
      writeConfig('deploy.config.ts', { datasource: { url: db.url }, schema: 'rich.prisma', migrations: { path: 'migrations' } });
      const script = await prisma(['migrate', 'diff', '--config', 'deploy.config.ts', '--from-empty', '--to-schema', 'rich.prisma', '--script']);
      assert.equal(script.exitCode, 0, script.stderr);
      assert.match(script.stdout, /CREATE TABLE "books"/);
      const migrationDir = path.join(dir, 'migrations', '20260101000000_rich');
      mkdirSync(migrationDir, { recursive: true });
      writeFileSync(path.join(migrationDir, 'migration.sql'), script.stdout);
      writeFileSync(path.join(dir, 'migrations', 'migration_lock.toml'), `provider = "${provider}"\n`);

      // migrate deploy: the engine connects through the real adapter and applies the migration.
      const deploy = await prisma(['migrate', 'deploy', '--config', 'deploy.config.ts']);
      assert.equal(deploy.exitCode, 0, `${deploy.stdout}\n${deploy.stderr}`);
      assert.deepEqual((await db.tables()).filter((table) => !table.startsWith('_')), ['authors', 'books']);

      const roundTrip = await prisma(['migrate', 'diff', '--config', 'deploy.config.ts', '--from-config-datasource', '--to-schema', 'rich.prisma', '--script', '--exit-code']);
      assert.equal(roundTrip.exitCode, 0, `expected no difference, got:\n${roundTrip.stdout}\n${roundTrip.stderr}`);
    });

    test('an invalid schema gives the CLI\'s usual P1012 error and a non-zero exit, promptly', async () => {
      const started = Date.now();
      const diff = await prisma(['migrate', 'diff', '--from-empty', '--to-schema', 'invalid.prisma', '--script']);
      assert.equal(diff.timedOut, false, 'the CLI hung');
      assert.equal(diff.exitCode, 1);
      assert.match(diff.stderr, /Error: P1012/);
      assert.match(diff.stderr, /Type "Strin" is neither a built-in type/);
      assert.match(diff.stderr, /invalid\.prisma:\d+/);
      assert.ok(Date.now() - started < 30_000);
    });

    if (provider === 'sqlite') {
      test('an engine panic is reported by the CLI as an error, not a hang', async () => {
        const panic = await prisma(['migrate', 'diff', '--from-empty', '--to-schema', 'schema.prisma', '--script'], { FORCE_PANIC_SCHEMA_ENGINE: '1' });
        assert.equal(panic.timedOut, false, 'the CLI hung');
        assert.notEqual(panic.exitCode, 0);
        assert.match(panic.stderr, /debugPanic artificial panic/);
      });
    }
  });
}

describe('which schema engine the orchestrator gives the Prisma CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-engine-choice-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A node_modules with prisma and @prisma/engines, as npm lays them out. */
  function fakeInstall(name: string, withNativeEngine: boolean): string {
    const modules = path.join(dir, name, 'node_modules');
    mkdirSync(path.join(modules, 'prisma'), { recursive: true });
    mkdirSync(path.join(modules, '@prisma', 'engines'), { recursive: true });
    writeFileSync(path.join(modules, 'prisma', 'package.json'), '{"name":"prisma"}');
    writeFileSync(path.join(modules, '@prisma', 'engines', 'package.json'), '{"name":"@prisma/engines"}');
    if (withNativeEngine) {
      const engine = path.join(modules, '@prisma', 'engines', 'schema-engine-debian-openssl-3.0.x');
      writeFileSync(engine, '#!/bin/sh\n');
      chmodSync(engine, 0o755);
    }
    return path.join(modules, 'prisma');
  }

  test('with no native engine installed, the WebAssembly launcher', () => {
    const choice = resolveSchemaEngine({}, fakeInstall('bare', false));
    assert.deepEqual(choice, { kind: 'wasm', path: WASM_ENGINE_LAUNCHER });
  });

  test('a native engine in @prisma/engines is left to the CLI, as is', () => {
    const choice = resolveSchemaEngine({}, fakeInstall('native', true));
    assert.equal(choice.kind, 'native');
    assert.match(choice.path, /@prisma\/engines\/schema-engine-debian-openssl-3\.0\.x$/);
  });

  test("the user's PRISMA_SCHEMA_ENGINE_BINARY wins, made absolute; a wrong one is a clear error", () => {
    const engine = path.join(dir, 'my-engine');
    writeFileSync(engine, '#!/bin/sh\n');
    chmodSync(engine, 0o755);
    assert.deepEqual(resolveSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: 'my-engine' }, fakeInstall('native2', true), dir), { kind: 'env', path: engine });
    assert.throws(
      () => resolveSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: path.join(dir, 'missing') }, fakeInstall('bare2', false)),
      (error: unknown) => error instanceof OrchestratorError && error.code === 'ENGINE_MISSING' && /unset it/.test(error.fix ?? ''),
    );
  });

  test('a missing Prisma CLI is a clear error that says how to install it', () => {
    const elsewhere = pathToFileURL(path.join(dir, 'no-node-modules', 'index.js')).href;
    assert.throws(
      () => locatePrismaCli(elsewhere),
      (error: unknown) => error instanceof OrchestratorError && error.code === 'PRISMA_CLI_MISSING' && /npm install/.test(error.fix ?? ''),
    );
  });
});
