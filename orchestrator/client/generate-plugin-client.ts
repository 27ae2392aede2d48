import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Project } from '../config/load-project.ts';
import { writeSchemaFolder } from '../engine/write-schema-folder.ts';
import type { ComposedSchema } from '../schema/compose-schema.ts';

/**
 * Runs `prisma generate` on one plugin's isolated schema, so the plugin gets a Prisma Client
 * that knows its own models (and the read-only copies of its dependencies') and nothing else.
 *
 * The composed files are written to a temporary multi-file schema folder. A generator's
 * `output` is relative to the file that declares it, and that file now lives elsewhere, so each
 * relative output is first resolved against where the file really is (the template, for the
 * header): "../plugins/{{plugin}}/generated/client" still lands in plugins/<name>/generated/.
 * Returns the absolute output folders.
 */
export async function generatePluginClient(project: Project, schema: ComposedSchema): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), `orchestrator-client-${schema.plugin}-`));
  const outputs: string[] = [];
  try {
    const files = schema.files.map((file) => {
      const pinned = pinGeneratorOutputs(file.content, path.dirname(path.resolve(project.root, file.path)));
      outputs.push(...pinned.outputs);
      return { path: file.path, content: pinned.content };
    });
    writeSchemaFolder(dir, files);
    // Loaded on first use: execa costs every other command ~0.4 s of startup.
    const { runPrismaCli } = await import('../engine/run-prisma-cli.ts');
    // Run in the folder so the CLI's messages name project-relative paths.
    await runPrismaCli(['generate', '--schema', dir], { plugin: schema.plugin, cwd: dir });
    return outputs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rewrites relative `output = "…"` lines inside generator blocks to absolute paths. */
function pinGeneratorOutputs(content: string, baseDir: string): { content: string; outputs: string[] } {
  const outputs: string[] = [];
  let inGenerator = false;
  const lines = content.split('\n').map((line) => {
    if (/^\s*generator\s+\w+\s*\{/.test(line)) inGenerator = true;
    else if (inGenerator && /^\s*\}/.test(line)) inGenerator = false;
    const output = inGenerator ? /^(\s*output\s*=\s*)"([^"]+)"(.*)$/.exec(line) : null;
    if (!output) return line;
    const absolute = path.resolve(baseDir, output[2]!);
    outputs.push(absolute);
    // Prisma strings take forward slashes on every platform.
    return `${output[1]}"${absolute.split(path.sep).join('/')}"${output[3]}`;
  });
  return { content: lines.join('\n'), outputs };
}
