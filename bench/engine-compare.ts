/**
 * `npm run bench:engines [-- --sizes 1,10,50 --provider sqlite]`
 *
 * Times `generate` (every plugin, from no migrations: one init migration each) for N synthetic
 * plugins with each diff engine, as whole `tsx orchestrator generate --engine <wasm|cli>`
 * processes, and prints the times and the ratio cli/wasm. Both engines must write the same
 * files; the bench exits 1 if they do not, or if a generate fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isProvider } from '../orchestrator/config/provider.ts';
import type { DiffEngineKind } from '../orchestrator/engine/create-diff-engine.ts';
import { createTempProject, type PluginFixture, type TempProject } from '../test/support/temp-project.ts';

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,50' },
    provider: { type: 'string', default: 'sqlite' },
  },
});
const sizes = options.sizes.split(',').map(Number);
const provider = options.provider;
if (!isProvider(provider) || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
  console.error('Usage: npm run bench:engines -- [--sizes 1,10,50] [--provider sqlite|postgresql]');
  process.exit(1);
}

/** Two tables per plugin, with an index and a relation between them: a typical small plugin. */
function syntheticPlugin(name: string): PluginFixture {
  const model = name.charAt(0).toUpperCase() + name.slice(1);
  return {
    manifest: { version: '1.0.0' },
    models: `model ${model}Item {
  id        Int      @id @default(autoincrement())
  label     String   @db.VarChar(100)
  quantity  Int      @default(0)
  createdAt DateTime @default(now())
  notes     ${model}Note[]

  @@index([label])
  @@map("${name}_items")
}

model ${model}Note {
  id     Int    @id @default(autoincrement())
  body   String
  itemId Int
  item   ${model}Item @relation(fields: [itemId], references: [id], onDelete: Cascade)

  @@map("${name}_notes")
}
`,
  };
}

async function timeGenerate(size: number, engine: DiffEngineKind): Promise<{ seconds: number; project: TempProject }> {
  const names = Array.from({ length: size }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);
  const project = createTempProject(provider as 'sqlite', Object.fromEntries(names.map((name) => [name, syntheticPlugin(name)])));
  const started = performance.now();
  const result = await project.cli(['generate', '--engine', engine]);
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) {
    project.remove();
    throw new Error(`generate --engine ${engine} for ${size} plugin(s) failed:\n${result.stderr}`);
  }
  return { seconds, project };
}

function migrationSql(project: TempProject, plugin: string): string {
  const [name] = project.migrations(plugin);
  return readFileSync(path.join(project.pluginDir(plugin), 'migrations', name!, 'migration.sql'), 'utf8');
}

console.log(`generate, ${provider}, whole processes (tsx orchestrator generate --engine …), one init migration per plugin\n`);
console.log('plugins   wasm (s)   cli (s)   cli/wasm   cli per plugin (s)');
for (const size of sizes) {
  const wasm = await timeGenerate(size, 'wasm');
  const cli = await timeGenerate(size, 'cli');
  try {
    for (let i = 1; i <= size; i++) {
      const plugin = `p${String(i).padStart(3, '0')}`;
      if (migrationSql(wasm.project, plugin) !== migrationSql(cli.project, plugin)) throw new Error(`The engines wrote different SQL for plugin ${plugin} (N=${size}).`);
    }
  } finally {
    wasm.project.remove();
    cli.project.remove();
  }
  const row = [
    String(size).padStart(7),
    wasm.seconds.toFixed(2).padStart(10),
    cli.seconds.toFixed(2).padStart(9),
    `${(cli.seconds / wasm.seconds).toFixed(1)}x`.padStart(10),
    (cli.seconds / size).toFixed(2).padStart(20),
  ].join(' ');
  console.log(row);
}
console.log('\nBoth engines wrote identical migration.sql files at every size.');
