import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

export type WasmSchemaEngine = SchemaEngine;
type SchemaEngineClass = typeof SchemaEngine;

let loaded: Promise<SchemaEngineClass> | undefined;

/**
 * Loads Prisma's schema engine compiled to WebAssembly, once per process.
 *
 * The package's main entry imports the `.wasm` file as an ES module, which Node 20 cannot do,
 * so the module is instantiated by hand against the package's JS glue (see
 * shared/notes/prisma-engine-facts.md). The panic registry must exist before the first call,
 * or a Rust panic in the engine has nowhere to put its message.
 */
export function loadWasmSchemaEngine(): Promise<SchemaEngineClass> {
  loaded ??= instantiate();
  return loaded;
}

/** The last panic message the engine reported, so a crash can be explained to the user. */
export let lastEnginePanic: string | undefined;

async function instantiate(): Promise<SchemaEngineClass> {
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      lastEnginePanic = message;
    },
  };
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
    SchemaEngine: SchemaEngineClass;
  };
  const wasmBytes = readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
  const module = await WebAssembly.compile(wasmBytes);
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return glue.SchemaEngine;
}
