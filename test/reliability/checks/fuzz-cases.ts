import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../../../orchestrator/config/provider.ts';
import type { Rng } from '../prng.ts';
import { lockFile, migrationSql, modelsFor } from '../scenario-project.ts';

/**
 * One generated bad input. `refuse`: deploying it must fail before running anything (success
 * would be unsafe: it touches another plugin's table, or stores bytes it cannot keep). `either`:
 * succeeding is fine if it is safe; failing must be a short, coded message.
 */
export interface FuzzCase {
  category: string;
  label: string;
  expect: 'refuse' | 'either';
  /** A provider the case only makes sense on; otherwise the fuzz picks one. */
  provider?: Provider;
  apply(ctx: FuzzContext): void;
}

export interface FuzzContext {
  root: string;
  provider: Provider;
  rng: Rng;
}

/** The fuzz's new plugin, `fz`, as a valid plugin would be: the cases then break one part of it. */
export const FZ = 'fz';
export const FZ_MIGRATION = '20260201000000_fuzz';

const pluginDir = (ctx: FuzzContext, name = FZ) => path.join(ctx.root, 'plugins', name);
const fzMigrationDir = (ctx: FuzzContext) => path.join(pluginDir(ctx), 'migrations', FZ_MIGRATION);
const fzSqlPath = (ctx: FuzzContext) => path.join(fzMigrationDir(ctx), 'migration.sql');

/** Writes a valid plugin (manifest, models, one migration creating `<name>_log`). */
export function writeValidPlugin(ctx: FuzzContext, name = FZ, manifest: Record<string, unknown> = { version: '1.0.0' }): void {
  const dir = pluginDir(ctx, name);
  mkdirSync(path.join(dir, 'migrations', FZ_MIGRATION), { recursive: true });
  writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(manifest));
  writeFileSync(path.join(dir, 'models.prisma'), modelsFor(name));
  writeFileSync(path.join(dir, 'migrations', 'migration_lock.toml'), lockFile(ctx.provider));
  writeFileSync(path.join(dir, 'migrations', FZ_MIGRATION, 'migration.sql'), migrationSql(ctx.provider, name, 1));
}

const withFz = (mutate: (ctx: FuzzContext) => void) => (ctx: FuzzContext) => {
  writeValidPlugin(ctx);
  mutate(ctx);
};

const manifest = (label: string, expect: FuzzCase['expect'], content: (rng: Rng) => string | Buffer): FuzzCase => ({
  category: 'plugin.json',
  label,
  expect,
  apply: withFz((ctx) => writeFileSync(path.join(pluginDir(ctx), 'plugin.json'), content(ctx.rng))),
});

const MANIFEST_CASES: FuzzCase[] = [
  manifest('not JSON', 'refuse', (rng) => `{${rng.text(rng.int(1, 200))}`),
  manifest('JSON that is not an object', 'refuse', (rng) => rng.pick(['[]', '[1,2]', '"1.0.0"', 'null', '42', 'true', '[{"version":"1.0.0"}]'])),
  manifest('version of the wrong type', 'refuse', (rng) => JSON.stringify({ version: rng.pick([1, null, [], {}, '', true, '   ']) })),
  manifest('dependsOn of the wrong type', 'refuse', (rng) => JSON.stringify({ version: '1.0.0', dependsOn: rng.pick(['one', [1], { one: true }, [null], 5, [['one']]]) })),
  manifest('unknown dependency', 'refuse', (rng) => JSON.stringify({ version: '1.0.0', dependsOn: [`nope_${rng.text(6, 'abcdefghij')}`] })),
  manifest('depends on itself', 'refuse', () => JSON.stringify({ version: '1.0.0', dependsOn: [FZ] })),
  {
    category: 'plugin.json',
    label: 'dependency cycle',
    expect: 'refuse',
    apply: (ctx) => {
      const size = ctx.rng.int(2, 4);
      const names = [FZ, 'fy', 'fx', 'fw'].slice(0, size);
      names.forEach((name, i) => writeValidPlugin(ctx, name, { version: '1.0.0', dependsOn: [names[(i + 1) % size]] }));
    },
  },
  manifest('huge version string', 'either', (rng) => JSON.stringify({ version: 'v'.repeat(rng.int(1, 3) * 1_000_000) })),
  manifest('huge name that does not match the folder', 'refuse', (rng) => JSON.stringify({ version: '1.0.0', name: 'n'.repeat(rng.int(100_000, 500_000)) })),
  manifest('thousands of unknown dependencies', 'refuse', (rng) => JSON.stringify({ version: '1.0.0', dependsOn: Array.from({ length: rng.int(1000, 5000) }, (_, i) => `dep_${i}`) })),
  manifest('byte order mark before valid JSON', 'either', () => `\uFEFF${JSON.stringify({ version: '1.0.0' })}`),
  manifest('empty file', 'refuse', () => ''),
  manifest('invalid UTF-8 inside a string', 'either', () => Buffer.concat([Buffer.from('{"version": "1.0.'), Buffer.from([0xff, 0xfe, 0xe9]), Buffer.from('"}')])),
  manifest('NUL bytes', 'refuse', (rng) => Buffer.concat([Buffer.from('{"version"'), Buffer.alloc(rng.int(1, 50)), Buffer.from(': "1"}')])),
  manifest('nested a hundred thousand levels deep', 'either', () => `{"version": "1.0.0", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
  manifest('duplicate keys and unknown fields', 'either', () => '{"version": "1.0.0", "version": "2.0.0", "unknown": {"a": [1, 2]}, "dependsOn": []}'),
  {
    category: 'plugin.json',
    label: 'plugin.json is a directory',
    expect: 'refuse',
    apply: withFz((ctx) => {
      rmSync(path.join(pluginDir(ctx), 'plugin.json'));
      mkdirSync(path.join(pluginDir(ctx), 'plugin.json'));
    }),
  },
  {
    category: 'plugin.json',
    label: 'plugin.json is a broken symlink',
    expect: 'either',
    apply: withFz((ctx) => {
      rmSync(path.join(pluginDir(ctx), 'plugin.json'));
      symlinkSync(path.join(ctx.root, 'nowhere.json'), path.join(pluginDir(ctx), 'plugin.json'));
    }),
  },
  {
    category: 'plugin.json',
    label: "an applied plugin's manifest broken",
    expect: 'refuse',
    apply: (ctx) => writeFileSync(path.join(pluginDir(ctx, 'two'), 'plugin.json'), ctx.rng.pick(['', '{', '[]', '{"version": 2}', '{"version": "1", "dependsOn": ["ghost"]}'])),
  },
];

/** Moves a valid fz plugin to a folder with a bad name. */
const folderName = (label: string, expect: FuzzCase['expect'], name: (rng: Rng) => string): FuzzCase => ({
  category: 'plugin folder',
  label,
  expect,
  apply: withFz((ctx) => renameSync(pluginDir(ctx), path.join(ctx.root, 'plugins', name(ctx.rng)))),
});

const FOLDER_CASES: FuzzCase[] = [
  folderName('uppercase name', 'refuse', (rng) => rng.pick(['Fz', 'FZ', 'fZ', 'Plugin'])),
  folderName('name starting with a digit or underscore', 'refuse', (rng) => rng.pick(['9fz', '0', '_fz', '__'])),
  folderName('punctuation in the name', 'refuse', (rng) => `f${rng.pick(['-', ' ', '$', '"', ';', "'", '%', '+', '=', '\n', '\t'])}z`),
  folderName('SQL in the name', 'refuse', () => 'fz"; DROP TABLE "one_log"; --'),
  folderName('non-ASCII name', 'refuse', (rng) => rng.pick(['fé', 'ßz', 'плагин', 'fz\u200b', 'ｆｚ'])),
  folderName('name too long for a table name', 'refuse', (rng) => 'f'.repeat(rng.int(45, 200))),
  folderName('hidden folder', 'either', () => '.fz'),
  {
    category: 'plugin folder',
    label: 'a plain file in plugins/',
    expect: 'either',
    apply: (ctx) => writeFileSync(path.join(ctx.root, 'plugins', ctx.rng.pick(['README.md', 'notes', 'fz'])), 'not a plugin\n'),
  },
  {
    category: 'plugin folder',
    label: 'a broken symlink in plugins/',
    expect: 'either',
    apply: (ctx) => symlinkSync(path.join(ctx.root, 'gone'), path.join(ctx.root, 'plugins', 'ghost')),
  },
  {
    category: 'plugin folder',
    label: 'a symlink loop in plugins/',
    expect: 'either',
    apply: (ctx) => {
      symlinkSync(path.join(ctx.root, 'plugins', 'loop_b'), path.join(ctx.root, 'plugins', 'loop_a'));
      symlinkSync(path.join(ctx.root, 'plugins', 'loop_a'), path.join(ctx.root, 'plugins', 'loop_b'));
    },
  },
  {
    category: 'plugin folder',
    label: 'a plugin folder without plugin.json',
    expect: 'either',
    apply: withFz((ctx) => rmSync(path.join(pluginDir(ctx), 'plugin.json'))),
  },
  {
    category: 'plugin folder',
    label: 'a plugin without any .prisma file',
    expect: 'either',
    apply: withFz((ctx) => rmSync(path.join(pluginDir(ctx), 'models.prisma'))),
  },
];

const models = (label: string, expect: FuzzCase['expect'], mutate: (ctx: FuzzContext, file: string, valid: string) => void): FuzzCase => ({
  category: '.prisma',
  label,
  expect,
  apply: withFz((ctx) => mutate(ctx, path.join(pluginDir(ctx), 'models.prisma'), modelsFor(FZ))),
});

const PRISMA_CASES: FuzzCase[] = [
  models('truncated model (syntax error)', 'either', (ctx, file, valid) => writeFileSync(file, valid.slice(0, ctx.rng.int(1, valid.lastIndexOf('}') - 1)))),
  models('random characters inserted', 'either', (ctx, file, valid) => {
    const at = ctx.rng.int(0, valid.length);
    writeFileSync(file, valid.slice(0, at) + ctx.rng.text(ctx.rng.int(1, 12), '{}()@"=\\#$\n abc') + valid.slice(at));
  }),
  models('a datasource block', 'either', (ctx, file, valid) => writeFileSync(file, `datasource db {\n  provider = "${ctx.rng.pick(['sqlite', 'postgresql', 'mysql'])}"\n  url = "file:./evil.db"\n}\n${valid}`)),
  models('a generator block', 'either', (_, file, valid) => writeFileSync(file, `generator client {\n  provider = "prisma-client-js"\n  output = "/tmp/evil"\n}\n${valid}`)),
  models('binary junk', 'either', (ctx, file) => writeFileSync(file, ctx.rng.bytes(ctx.rng.int(1, 4000)))),
  models('binary junk in a second file', 'either', (ctx, file) => writeFileSync(path.join(path.dirname(file), 'junk.prisma'), ctx.rng.bytes(ctx.rng.int(1, 4000)))),
  models('a .prisma that is a directory', 'either', (_, file) => mkdirSync(path.join(path.dirname(file), 'extra.prisma'))),
  models('a .prisma that is a broken symlink', 'either', (_, file) => symlinkSync('/nonexistent/models.prisma', path.join(path.dirname(file), 'extra.prisma'))),
  models('empty', 'either', (_, file) => writeFileSync(file, '')),
  models('invalid UTF-8 in a comment', 'either', (_, file, valid) => writeFileSync(file, Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9, 0xff]), Buffer.from(`\n${valid}`)]))),
  models("a model mapped to another plugin's table", 'refuse', (ctx, file, valid) => writeFileSync(file, `${valid}\nmodel Stolen {\n  id Int @id\n\n  @@map("${ctx.rng.pick(['one_log', 'two_log'])}")\n}\n`)),
  models('a model name thousands of characters long', 'either', (ctx, file, valid) => writeFileSync(file, `${valid}\nmodel M${'x'.repeat(ctx.rng.int(2000, 20000))} {\n  id Int @id\n}\n`)),
  models('an enum and a model with the same name', 'either', (_, file, valid) => writeFileSync(file, `${valid}\nenum FzLog {\n  A\n}\n`)),
];

const migration = (label: string, expect: FuzzCase['expect'], write: (ctx: FuzzContext, valid: string) => string | Buffer, provider?: Provider): FuzzCase => ({
  category: 'migration',
  label,
  expect,
  ...(provider ? { provider } : {}),
  apply: withFz((ctx) => writeFileSync(fzSqlPath(ctx), write(ctx, migrationSql(ctx.provider, FZ, 1)))),
});

const MIGRATION_CASES: FuzzCase[] = [
  // 0xff never occurs in UTF-8, so these bytes are always invalid text.
  migration('random bytes', 'refuse', (ctx) => Buffer.concat([ctx.rng.bytes(ctx.rng.int(1, 4000)), Buffer.from([0xff])])),
  migration('invalid UTF-8 in a comment of valid SQL', 'refuse', (_, valid) => Buffer.concat([Buffer.from('-- caf'), Buffer.from([0xe9]), Buffer.from(`\n${valid}`)])),
  migration('invalid UTF-8 in a string literal', 'refuse', () => Buffer.concat([Buffer.from(migrationSql('sqlite', FZ, 1).split("'m01'")[0]!.replace(/INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT|SERIAL NOT NULL PRIMARY KEY/, 'INTEGER')), Buffer.from("'caf"), Buffer.from([0xe9]), Buffer.from("');\n")])),
  migration('empty file', 'either', () => ''),
  migration('only comments and whitespace', 'either', (ctx) => `-- nothing here\n/* still nothing */\n${' \n'.repeat(ctx.rng.int(0, 50))}`),
  migration('printable garbage', 'either', (ctx) => ctx.rng.text(ctx.rng.int(1, 500))),
  migration('NUL bytes between statements', 'either', (_, valid) => valid.replace(';\n', `;\n${'\0'.repeat(3)}\n`)),
  migration('transaction control around the SQL', 'either', (ctx, valid) =>
    ctx.rng.pick([`BEGIN;\n${valid}COMMIT;\n`, `COMMIT;\n${valid}`, `${valid}ROLLBACK;\n`, `START TRANSACTION;\n${valid}`, `${valid}END;\n`, `BEGIN TRANSACTION;\n${valid}`, `SAVEPOINT a;\n${valid}RELEASE SAVEPOINT a;\n`, `${valid}COMMIT;\nBEGIN;\n`])),
  migration('a statement that fails after the first ran', 'either', (_, valid) => `${valid}INSERT INTO "fz_log" ("no_such_column") VALUES (1);\n`),
  migration('three megabytes of comments', 'either', (ctx, valid) => `${`-- ${'c'.repeat(1000)}\n`.repeat(ctx.rng.int(1000, 3000))}${valid}`),
  migration('a table name hundreds of characters long', 'either', (ctx, valid) => `${valid}CREATE TABLE "fz_${'t'.repeat(ctx.rng.int(60, 300))}" ("id" INTEGER);\n`),
  {
    category: 'migration',
    label: 'migration.sql is a directory',
    expect: 'either',
    apply: withFz((ctx) => {
      rmSync(fzSqlPath(ctx));
      mkdirSync(fzSqlPath(ctx));
    }),
  },
  {
    category: 'migration',
    label: 'migration.sql is a broken symlink',
    expect: 'either',
    apply: withFz((ctx) => {
      rmSync(fzSqlPath(ctx));
      symlinkSync('/nonexistent/migration.sql', fzSqlPath(ctx));
    }),
  },
  {
    category: 'migration',
    label: 'a migration folder without migration.sql',
    expect: 'either',
    apply: withFz((ctx) => mkdirSync(path.join(pluginDir(ctx), 'migrations', '20260202000000_empty'))),
  },
  {
    category: 'migration',
    label: 'a migration folder with an odd name',
    expect: 'either',
    apply: withFz((ctx) => renameSync(fzMigrationDir(ctx), path.join(pluginDir(ctx), 'migrations', ctx.rng.pick(['zzz', '2026 02 01', '20260201000000_fé', `20260201000000_${'n'.repeat(ctx.rng.int(100, 240))}`, '-1', '20260201000000_a"b'])))),
  },
  {
    category: 'migration',
    label: 'migration_lock.toml for the other provider',
    expect: 'refuse',
    apply: withFz((ctx) => writeFileSync(path.join(pluginDir(ctx), 'migrations', 'migration_lock.toml'), lockFile(ctx.provider === 'sqlite' ? 'postgresql' : 'sqlite'))),
  },
  {
    category: 'migration',
    label: 'migration_lock.toml junk',
    expect: 'either',
    apply: withFz((ctx) => writeFileSync(path.join(pluginDir(ctx), 'migrations', 'migration_lock.toml'), ctx.rng.pick([ctx.rng.bytes(200), 'provider = ', 'provider = "mysql"\n', '']))),
  },
  {
    category: 'migration',
    label: 'a migration added to an applied plugin, in a folder that is a file',
    expect: 'either',
    apply: (ctx) => writeFileSync(path.join(pluginDir(ctx, 'two'), 'migrations', '20260301000000_file'), 'SELECT 1;\n'),
  },
];

/** SQL from plugin fz that reaches into plugin one's (or two's) tables or history. */
const FOREIGN_SQL: { sql: string; provider?: Provider }[] = [
  { sql: `UPDATE ONE_LOG SET "migration" = 'x';` },
  { sql: 'DELETE FROM ONE_LOG;' },
  { sql: 'CREATE TABLE "fz_tmp" ("id" INTEGER);\nDROP TABLE "fz_tmp", "one_log";', provider: 'postgresql' },
  { sql: "WITH s AS (SELECT '--') DELETE FROM one_log;" },
  { sql: 'DROP INDEX "one_log_migration_idx";' },
  { sql: "DO $$ BEGIN EXECUTE 'drop table one_log'; END $$;", provider: 'postgresql' },
  { sql: 'DELETE FROM public.ONE_LOG;', provider: 'postgresql' },
  { sql: 'DELETE FROM main.one_log;', provider: 'sqlite' },
  { sql: 'DELETE FROM "One_Log";', provider: 'sqlite' },
  { sql: 'DELETE FROM [one_log];', provider: 'sqlite' },
  { sql: 'DELETE FROM `one_log`;', provider: 'sqlite' },
  { sql: `INSERT INTO one_log ("migration") VALUES ('x');` },
  { sql: 'ALTER TABLE "one_log" ADD COLUMN "stolen" INTEGER;' },
  { sql: 'ALTER TABLE "two_log" RENAME TO "gone";' },
  { sql: 'CREATE INDEX "fz_on_one_idx" ON "one_log" ("migration");' },
  { sql: 'TRUNCATE one_log;', provider: 'postgresql' },
  { sql: 'DROP TABLE "_prisma_migrations_one";' },
  { sql: `DELETE FROM "_prisma_migrations_two";` },
  { sql: `UPDATE "_prisma_migrations_one" SET "checksum" = 'x';` },
  { sql: 'CREATE TRIGGER "fz_trigger" AFTER INSERT ON "fz_log" BEGIN DELETE FROM one_log; END;', provider: 'sqlite' },
  { sql: `CREATE VIEW "fz_view" AS SELECT * FROM one_log;\nDROP VIEW "fz_view";\nDELETE FROM one_log /* ; */;` },
];

const FOREIGN_CASES: FuzzCase[] = FOREIGN_SQL.map(({ sql, provider }) => ({
  category: "another plugin's table",
  label: sql.split('\n').at(-1)!,
  expect: 'refuse' as const,
  ...(provider ? { provider } : {}),
  apply: withFz((ctx) => writeFileSync(fzSqlPath(ctx), `${migrationSql(ctx.provider, FZ, 1)}${sql}\n`)),
}));

export const FUZZ_GENERATORS: FuzzCase[] = [...MANIFEST_CASES, ...FOLDER_CASES, ...PRISMA_CASES, ...MIGRATION_CASES, ...FOREIGN_CASES];

