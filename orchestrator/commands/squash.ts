import type { CommandContext } from '../context/command-context.ts';
import { squashProject, type SquashOptions } from '../lifecycle/squash-project.ts';
import { MIGRATION_FILE } from '../migrations/migrations-folder.ts';
import { REPLACES_FILE } from '../migrations/replaces-file.ts';

/** `squash <plugin> [--name <message>]`: the plugin's migrations become one (needs no database). */
export async function squashCommand(context: CommandContext, options: SquashOptions & { json?: boolean }): Promise<string> {
  const report = await squashProject(context, options);
  if (options.json) return JSON.stringify(report, null, 2);
  if (report.name === null) return `Nothing to squash: plugin "${options.plugin}" has ${report.replaced.length} migration(s).`;
  return [
    `Squashed ${report.replaced.length} migration(s) of plugin "${options.plugin}" into ${report.name}:`,
    `  ${report.dir}/${MIGRATION_FILE}`,
    `  ${report.dir}/${REPLACES_FILE} (replaces ${report.replaced.join(', ')})`,
    'A database that applied all of them records it at the next deploy without running it; a fresh one runs it.',
  ].join('\n');
}
