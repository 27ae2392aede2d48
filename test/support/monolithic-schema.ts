import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Provider } from '../../orchestrator/config/provider.ts';
import { InProcessDiffEngine } from '../../orchestrator/engine/in-process-diff-engine.ts';
import type { SchemaFile } from '../../orchestrator/schema/compose-schema.ts';
import { REPO_ROOT, type PluginFixture } from './temp-project.ts';

/**
 * The yardstick for the plugin orchestrator: all plugins' models of one fixture version as ONE
 * ordinary Prisma schema, as a team without plugins would write it. Deploying the plugins one
 * migration at a time must leave the database identical to applying this schema from empty.
 *
 * It goes through Prisma's own tools, independently of the orchestrator's schema code (which is
 * what is under test): prisma-schema-wasm's `lint` locates the native types SQLite cannot have
 * and the relation fields that lack their opposite side, `validate` checks the result, and the
 * engine (the orchestrator's in-process wasm engine: `prisma migrate diff --from-empty
 * --to-schema … --script`) writes the SQL.
 */

interface SchemaWasm {
  lint(files: string): string;
  validate(params: string): void;
}

let schemaWasm: SchemaWasm | undefined;

function loadSchemaWasm(): SchemaWasm {
  // A Rust panic needs somewhere to put its message, or it surfaces as a bare "unreachable".
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} };
  schemaWasm ??= createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as SchemaWasm;
  return schemaWasm;
}

/** A fixture version's folder: `<dir>/plugins/<name>/{plugin.json,*.prisma}`. */
export function readFixturePlugins(versionDir: string): Record<string, PluginFixture> {
  const pluginsDir = path.join(versionDir, 'plugins');
  const plugins: Record<string, PluginFixture> = {};
  for (const name of readdirSync(pluginsDir).sort()) {
    const dir = path.join(pluginsDir, name);
    plugins[name] = {
      models: readFileSync(path.join(dir, 'models.prisma'), 'utf8'),
      manifest: JSON.parse(readFileSync(path.join(dir, 'plugin.json'), 'utf8')) as Record<string, unknown>,
    };
  }
  return plugins;
}

/** The monolithic schema of a set of plugins, as files of one multi-file Prisma schema. */
export function monolithicSchema(plugins: Record<string, PluginFixture>, provider: Provider): SchemaFile[] {
  const wasm = loadSchemaWasm();
  const template = readFileSync(path.join(REPO_ROOT, 'prisma-templates/schema.prisma'), 'utf8');
  let files: SchemaFile[] = [
    { path: 'schema.prisma', content: template.replaceAll('{{provider}}', provider).replaceAll('{{plugin}}', 'monolith') },
    ...Object.entries(plugins).map(([name, fixture]) => ({ path: `plugins/${name}/models.prisma`, content: fixture.models })),
  ];
  if (provider === 'sqlite') files = withoutNativeTypes(wasm, files);
  files = withBackRelations(wasm, files);
  // Fails with Prisma's own message (file and line) if the fixtures do not form a valid monolith.
  wasm.validate(JSON.stringify({ prismaSchema: files.map((file) => [file.path, file.content]), noColor: true }));
  return files;
}

/**
 * SQLite's connector has no native types. Prisma's linter reports each `@db.*` attribute with
 * its exact span, so they are cut out where the parser says they are (not by pattern matching,
 * which is part of what the orchestrator's own code is tested for).
 */
function withoutNativeTypes(wasm: SchemaWasm, files: SchemaFile[]): SchemaFile[] {
  const diagnostics = lint(wasm, files);
  return files.map((file) => {
    const spans = diagnostics.filter((d) => d.file_name === file.path && d.text.startsWith('Native type ')).sort((a, b) => b.start - a.start);
    let content = file.content;
    for (const span of spans) {
      const cut = spanText(file, span);
      if (!cut.trimStart().startsWith('@db.')) throw new Error(`${file.path}: lint located "${cut}" as a native type`);
      content = content.slice(0, span.start) + content.slice(span.end);
    }
    return { path: file.path, content };
  });
}

interface Diagnostic {
  file_name: string;
  start: number;
  end: number;
  text: string;
}

function lint(wasm: SchemaWasm, files: SchemaFile[]): Diagnostic[] {
  return JSON.parse(wasm.lint(JSON.stringify(files.map((file) => [file.path, file.content])))) as Diagnostic[];
}

/** The source text a diagnostic points at (its offsets count characters, not UTF-8 bytes). */
function spanText(file: SchemaFile, diagnostic: Diagnostic): string {
  return file.content.slice(diagnostic.start, diagnostic.end);
}

const MISSING_OPPOSITE = /The relation field `(\w+)` on model `(\w+)` is missing an opposite relation field on the model `(\w+)`/;

/**
 * A plugin declares only its own side of a relation to a dependency's model; the monolith needs
 * the other side too, which the dependency's team would have written into its model. Prisma's
 * `format` cannot be used for this: it turns an unmatched list (`Coupon.products Product[]`, an
 * implicit many-to-many) into a one-to-many with a new foreign key, and gives two relations to
 * one model the same unnamed field. So each field Prisma reports as lacking its opposite gets
 * one: a list for a list (many-to-many), otherwise `Model[]` with the same relation name. A
 * one-to-one then reads as one-to-many to the client, which creates the same tables, keys and
 * indexes, all that is compared here.
 */
function withBackRelations(wasm: SchemaWasm, files: SchemaFile[]): SchemaFile[] {
  const additions = new Map<string, string[]>();
  for (const diagnostic of lint(wasm, files)) {
    const match = MISSING_OPPOSITE.exec(diagnostic.text);
    if (!match) continue;
    const [, field, model, target] = match as unknown as [string, string, string, string];
    const declaration = spanText(files.find((file) => file.path === diagnostic.file_name)!, diagnostic);
    const relationName = /@relation\(\s*(?:name\s*:\s*)?"([^"]*)"/.exec(declaration)?.[1];
    const lines = additions.get(target) ?? [];
    // Reader.favoriteBook and ReaderFavorite.book both make "readerFavoriteBook": number the later one.
    const base = `${lowerFirst(model)}${upperFirst(field)}`;
    let name = base;
    for (let n = 2; lines.some((line) => line.trimStart().startsWith(`${name} `)); n++) name = `${base}${n}`;
    lines.push(`  ${name} ${model}[]${relationName === undefined ? '' : ` @relation("${relationName}")`}`);
    additions.set(target, lines);
  }
  const placed = new Set<string>();
  const result = files.map((file) => ({
    path: file.path,
    content: file.content
      .split('\n')
      .flatMap((line) => {
        const target = [...additions.keys()].find((model) => line.trim() === `model ${model} {`);
        if (target === undefined) return [line];
        placed.add(target);
        return [line, ...additions.get(target)!];
      })
      .join('\n'),
  }));
  const unplaced = [...additions.keys()].filter((model) => !placed.has(model));
  if (unplaced.length > 0) throw new Error(`No "model X {" line found for ${unplaced.join(', ')}: write fixture models in the formatted style`);
  return result;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * `prisma migrate diff --from-empty --to-schema <monolith> --script`, computed in process; with
 * `previous`, from that set's monolith instead of from empty (the monolith's next migration).
 */
export async function monolithicSql(plugins: Record<string, PluginFixture>, provider: Provider, previous?: Record<string, PluginFixture>): Promise<string> {
  const engine = new InProcessDiffEngine();
  try {
    const from = previous ? monolithicSchema(previous, provider) : null;
    return await engine.diff({ plugin: 'monolith', provider, from, to: monolithicSchema(plugins, provider), externalTables: [], externalEnums: [] });
  } finally {
    await engine.close();
  }
}
