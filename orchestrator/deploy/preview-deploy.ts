import type { Provider } from '../config/provider.ts';
import type { Database, GroupMode } from '../database/database.ts';
import { transactionFramingFor } from '../database/transaction-framing.ts';
import { displayPath } from '../files/project-files.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { plannedEvents, stepsOf, type MigrationWork, type RunEvent } from './apply-migration.ts';
import type { DeployOverrides } from './deploy-overrides.ts';
import { planDeploy, type ProjectModel, type RunOptions } from './run-deploy.ts';
import type { CommandContext } from '../context/command-context.ts';
import { withDatabase } from '../database/with-database.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { lazyProjectModel } from './deploy-database.ts';
import { NO_OVERRIDES } from './deploy-overrides.ts';
import type { DeployOptions } from './deploy-project.ts';

/** One statement a preview shows, with the migration it belongs to (none: a boundary shared by several). */
export interface PreviewStatement {
  plugin?: string;
  migration?: string;
  /** 1-based step of the migration. */
  step?: number;
  sql: string;
}

export interface PreviewedMigration {
  plugin: string;
  migration: string;
  path: string;
  steps: number;
}

/** The SQL a deploy would send, in order, transaction boundaries and history writes included. */
export interface DeployPreview {
  database?: string;
  provider: Provider;
  mode: GroupMode;
  migrations: PreviewedMigration[];
  statements: PreviewStatement[];
  /** False when there was no database to read the history from: the history writes are left out. */
  includesHistory: boolean;
}

/**
 * deploy --dry-run: reads the histories and runs every refusal check deploy runs (the same
 * plan: planDeploy), then lists what deploy would send, touching nothing. It takes no lock and
 * writes nothing: a preview never waits for, nor blocks, a deploy.
 */
export async function previewDeploy(db: Database, plugins: Plugin[], project: ProjectModel, overrides: DeployOverrides, options: RunOptions = {}): Promise<DeployPreview> {
  const plan = await planDeploy(db, plugins, project, overrides, options);
  const histories = new Map(plan.states.map((state) => [state.plugin.name, state.history]));
  const work = [...plan.work.values()].flat();
  return {
    database: db.displayUrl,
    ...renderPreview(db.provider, plan.mode, work, (entry) => plannedEvents(histories.get(entry.plugin), entry)),
    includesHistory: true,
  };
}

/** A preview of migrations read from disk alone (sql <plugin> <migration> without a database): no history writes. */
/**
 * deploy --dry-run: every check deploy runs, then the SQL it would send, on the project's
 * database opened without creating anything (no SQLite file, no schema), taking no lock.
 */
export async function previewProject(context: CommandContext, options: DeployOptions): Promise<DeployPreview> {
  const { project } = context;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, context.pluginNames, { withDependencies: true });
  return withDatabase(project.databaseUrl, project.root, { create: false, command: 'deploy' }, (db) =>
    previewDeploy(db, plugins, lazyProjectModel(project, allPlugins), { ...NO_OVERRIDES, ...options }, { singleTransaction: options.singleTransaction === true }),
  );
}

export function previewWithoutDatabase(provider: Provider, work: MigrationWork[]): DeployPreview {
  return { ...renderPreview(provider, 'keep-earlier', work, (entry) => plannedEvents(undefined, entry)), includesHistory: false };
}

/** Frames each migration's events with the database's transaction boundaries, as withTransactionGroup does. */
function renderPreview(provider: Provider, mode: GroupMode, work: MigrationWork[], eventsOf: (entry: MigrationWork) => RunEvent[]): Omit<DeployPreview, 'includesHistory' | 'database'> {
  const framing = transactionFramingFor(provider);
  const statements: PreviewStatement[] = [];
  let open = false;
  let units = 0;
  const closeGroup = () => {
    if (open) statements.push(...framing.closeGroup.map((sql) => ({ sql })));
    open = false;
    units = 0;
  };
  for (const entry of work) {
    const at = (step: number) => ({ plugin: entry.plugin, migration: entry.migration.name, step: step + 1 });
    for (const event of eventsOf(entry)) {
      if (event.kind === 'commit') {
        closeGroup();
      } else if (event.kind === 'autocommit') {
        closeGroup();
        statements.push({ ...at(event.step), sql: event.statement });
      } else if (event.statements.length > 0) {
        const grouped = framing.groups(mode, event.newObjectsOnly);
        if (!grouped || units >= framing.unitsPerGroup(mode)) closeGroup();
        if (grouped && !open) {
          statements.push(...framing.openGroup.map((sql) => ({ ...at(event.step), sql })));
          open = true;
        }
        if (grouped) units++;
        for (const sql of [...framing.openUnit(grouped), ...event.statements, ...framing.closeUnit(grouped)]) statements.push({ ...at(event.step), sql });
      }
    }
  }
  closeGroup();
  const migrations = work.map((entry) => ({ plugin: entry.plugin, migration: entry.migration.name, path: displayPath(entry.migration.sqlPath), steps: stepsOf(entry.plan).length }));
  return { provider, mode, migrations, statements };
}

/** The preview as a script to read (or run by hand): a comment line before each migration's statements. */
export function formatPreview(preview: DeployPreview): string {
  const where = preview.database ? ` on ${preview.database}` : '';
  const lines = [`-- ${preview.migrations.length} migration(s) deploy would apply${where} (${preview.provider}${preview.mode === 'all-or-nothing' ? ', --single-transaction' : ''}); nothing was run.`];
  if (!preview.includesHistory) lines.push('-- Without a database the history writes (_prisma_migrations_<plugin>) are not shown.');
  let current: string | undefined;
  for (const statement of preview.statements) {
    const key = statement.migration && `${statement.plugin}/${statement.migration}`;
    if (key && key !== current) {
      const migration = preview.migrations.find((m) => m.plugin === statement.plugin && m.migration === statement.migration)!;
      lines.push('', `-- plugin "${migration.plugin}", migration ${migration.migration} (${migration.path})`);
      current = key;
    }
    lines.push(`${statement.sql};`);
  }
  return lines.join('\n');
}
