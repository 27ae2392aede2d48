import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Provider } from '../../orchestrator/config/provider.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_SOURCE = path.join(REPO_ROOT, 'orchestrator/index.ts');

/**
 * How tests start the real CLI: `npm test` builds it once (ORCHESTRATOR_TEST_CLI, as the Docker
 * image ships it: ~0.2 s faster per process than tsx, and the suite starts hundreds); a test file
 * run on its own uses the sources through tsx.
 */
export function cliCommand(): { file: string; args: string[] } {
  const built = process.env.ORCHESTRATOR_TEST_CLI;
  if (built) return { file: process.execPath, args: [path.resolve(REPO_ROOT, built)] };
  return { file: process.execPath, args: ['--import', import.meta.resolve('tsx'), CLI_SOURCE] };
}

export interface PluginFixture {
  models: string;
  manifest?: Record<string, unknown>;
}

export interface TempProject {
  root: string;
  provider: Provider;
  pluginDir(name: string): string;
  writePlugin(name: string, fixture: PluginFixture): void;
  /** Migration folder names of a plugin, oldest first. */
  migrations(plugin: string): string[];
  readMigration(plugin: string, name: string): string;
  writeMigration(plugin: string, name: string, sql: string): void;
  /** Runs the real CLI (see cliCommand) as a process, against this project. */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  remove(): void;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The example plugins' models, as shipped in plugins/, without their migrations. */
export function examplePlugins(): Record<string, PluginFixture> {
  const fixtures: Record<string, PluginFixture> = {};
  for (const name of ['one', 'two']) {
    const dir = path.join(REPO_ROOT, 'plugins', name);
    fixtures[name] = {
      models: readFileSync(path.join(dir, 'models.prisma'), 'utf8'),
      manifest: JSON.parse(readFileSync(path.join(dir, 'plugin.json'), 'utf8')) as Record<string, unknown>,
    };
  }
  return fixtures;
}

/**
 * A throwaway project folder with the repository's prisma-templates/ and the given plugins,
 * and no migrations: each test generates its own history.
 */
export function createTempProject(provider: Provider, plugins: Record<string, PluginFixture>, databaseUrl?: string): TempProject {
  const root = mkdtempSync(path.join(tmpdir(), 'orchestrator-test-'));
  cpSync(path.join(REPO_ROOT, 'prisma-templates'), path.join(root, 'prisma-templates'), { recursive: true });
  writeFileSync(path.join(root, 'orchestrator.config.json'), JSON.stringify({ provider }));
  const project: TempProject = {
    root,
    provider,
    pluginDir: (name) => path.join(root, 'plugins', name),
    writePlugin(name, fixture) {
      const dir = project.pluginDir(name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'plugin.json'), JSON.stringify(fixture.manifest ?? { version: '1.0.0' }));
      writeFileSync(path.join(dir, 'models.prisma'), fixture.models);
    },
    migrations(plugin) {
      const dir = path.join(project.pluginDir(plugin), 'migrations');
      try {
        return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      } catch {
        return [];
      }
    },
    readMigration: (plugin, name) => readFileSync(path.join(project.pluginDir(plugin), 'migrations', name, 'migration.sql'), 'utf8'),
    writeMigration: (plugin, name, sql) => writeFileSync(path.join(project.pluginDir(plugin), 'migrations', name, 'migration.sql'), sql),
    async cli(args, env = {}) {
      const cli = cliCommand();
      const result = await execa(cli.file, [...cli.args, '--project', root, ...args], {
        reject: false,
        cwd: REPO_ROOT,
        env: { CI: 'true', ORCHESTRATOR_PROVIDER: '', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...env },
      });
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [name, fixture] of Object.entries(plugins)) project.writePlugin(name, fixture);
  return project;
}
