import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DiffEngine, PluginDiffRequest } from './diff-engine.ts';
import { writeSchemaFolder } from './write-schema-folder.ts';

/** `migrate diff --exit-code` answers 0 for "no difference" and 2 for "there is a script". */
const EXIT_NO_CHANGES = 0;
const EXIT_CHANGES = 2;

/**
 * Diffs each plugin by running the official `prisma migrate diff` as a child process: slower
 * than the in-process engine (one CLI start per plugin), but exactly what a Prisma user runs,
 * which makes it the reference to check the default engine against. The plugin's isolation is
 * the same: its dependencies' tables and enums go into a generated prisma.config.ts as
 * `tables.external` / `enums.external`, the CLI's form of the filter the in-process engine passes.
 */
export class CliDiffEngine implements DiffEngine {
  private workDir: string | undefined;
  /** Plugins whose migrations lack snapshots are refused before any scratch database is made. */
  readonly readsScratchDatabases = false;
  /** One CLI process at a time: each holds a Node runtime and an engine. */
  readonly parallelism = 1;

  async diff(request: PluginDiffRequest): Promise<string> {
    if (request.from && !Array.isArray(request.from)) throw new Error('The Prisma CLI engine cannot diff from a scratch database.');
    this.workDir ??= mkdtempSync(path.join(tmpdir(), 'orchestrator-cli-diff-'));
    const dir = mkdtempSync(path.join(this.workDir, `${request.plugin}-`));
    const toDir = writeSchemaFolder(path.join(dir, 'to'), request.to);
    const fromArgs = request.from ? ['--from-schema', writeSchemaFolder(path.join(dir, 'from'), request.from)] : ['--from-empty'];
    const configPath = path.join(dir, 'prisma.config.ts');
    writeFileSync(configPath, prismaConfig(request));
    // Loaded on first use: execa costs every other command ~0.4 s of startup.
    const { runPrismaCli } = await import('./run-prisma-cli.ts');
    // Run in the "to" folder so the CLI's error messages name project-relative paths.
    const result = await runPrismaCli(['migrate', 'diff', '--config', configPath, ...fromArgs, '--to-schema', toDir, '--script', '--exit-code'], {
      plugin: request.plugin,
      cwd: toDir,
      okExitCodes: [EXIT_NO_CHANGES, EXIT_CHANGES],
    });
    rmSync(dir, { recursive: true, force: true });
    if (result.exitCode !== EXIT_CHANGES) return '';
    // The CLI writes the engine's script followed by one newline of its own.
    return result.stdout.endsWith('\n') ? result.stdout.slice(0, -1) : result.stdout;
  }

  async close(): Promise<void> {
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }
}

/** Table and enum names are schema-qualified on PostgreSQL and bare on SQLite, as in the in-process engine. */
function prismaConfig(request: PluginDiffRequest): string {
  const qualify = (name: string) => (request.provider === 'postgresql' ? `public.${name}` : name);
  const config = {
    experimental: { externalTables: true },
    tables: { external: request.externalTables.map(qualify) },
    enums: { external: request.externalEnums.map(qualify) },
  };
  return `// Written by the orchestrator for one \`prisma migrate diff\` of plugin "${request.plugin}".\nexport default ${JSON.stringify(config, null, 2)};\n`;
}
