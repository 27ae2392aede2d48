#!/usr/bin/env node
// The executable the Prisma CLI spawns as its schema engine (PRISMA_SCHEMA_ENGINE_BINARY) when
// no native engine is installed. Plain JavaScript so the CLI can run it directly from any cwd;
// from source, it registers tsx (a production dependency) to load the TypeScript server beside it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

if (process.argv.includes('--version')) {
  // Answered without loading the engine: the CLI asks before every command. The wasm package's
  // version ends in the engines commit it was built from, which is what the native engine prints.
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  console.log(`schema-engine-cli ${version.split('.').at(-1)}`);
  process.exit(0);
}

// From source the server is TypeScript, loaded through tsx. The built CLI (scripts/build-cli.ts)
// bundles the server into this file and defines ORCHESTRATOR_BUILT, so it skips tsx's start-up.
if (typeof ORCHESTRATOR_BUILT === 'undefined') {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runSchemaEngineServer } = await import('./schema-engine-server.ts');
await runSchemaEngineServer(process.argv.slice(2));
