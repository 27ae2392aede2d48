import type { CommandContext } from '../context/command-context.ts';
import { formatPreview } from '../deploy/preview-deploy.ts';
import { previewPluginSql, type PluginSqlOptions } from '../deploy/preview-plugin-sql.ts';

/** `sql <plugin> [migration] [--json]`: the SQL deploy would run for one plugin, with its transaction boundaries. */
export async function sqlCommand(context: CommandContext, options: PluginSqlOptions & { json?: boolean }): Promise<string> {
  const preview = await previewPluginSql(context, options);
  return options.json ? JSON.stringify(preview, null, 2) : formatPreview(preview);
}
