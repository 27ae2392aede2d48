import type { CommandContext } from '../context/command-context.ts';
import { generateProject, type GenerateOptions } from '../generate/generate-project.ts';
import { clientCommand } from './client.ts';

export type { GenerateOptions };

/**
 * `generate [plugin...] [--name <message>]`: writes one migration per plugin whose models
 * changed. Every plugin is diffed before any file is written, so an error in one plugin
 * leaves every migrations folder as it was.
 */
export async function generateCommand(context: CommandContext, options: GenerateOptions & { client?: boolean }): Promise<string> {
  const report = await generateProject(context, options);
  if (options.snapshotOnly) {
    if (report.snapshots.length === 0) return `No snapshots to write: every selected plugin's migrations already have one (or it has none yet).`;
    return `Wrote ${report.snapshots.length} snapshot(s):\n${report.snapshots.map((file) => `  ${file}`).join('\n')}`;
  }
  const clients = options.client ? `\n${await clientCommand(context)}` : '';
  if (report.written.length === 0) return `No changes: ${report.plugins.length} plugin(s) match their latest migration.${clients}`;
  const accepted = report.dataLoss && options.acceptDataLoss ? `${report.dataLoss}\nAccepted (--accept-data-loss).\n` : '';
  return `${accepted}Wrote ${report.written.length} migration(s):\n${report.written.map((dir) => `  ${dir}/migration.sql`).join('\n')}${clients}`;
}
