import type { PluginFixture } from '../test/support/temp-project.ts';

/** Each synthetic plugin owns these three tables, prefixed by its name (p007_items, …). */
export const TABLES_PER_PLUGIN = ['items', 'tags', 'events'] as const;

/** p001 … p200: zero-padded so names sort like their numbers and stay valid plugin names. */
export function pluginNames(count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `p${String(i + 1).padStart(width, '0')}`);
}

/**
 * Three models of five columns (id, a varchar, an int, a boolean, a timestamp) and one index
 * each. `withExtraColumn` adds one nullable column to the first table: the "second generate".
 */
export function syntheticPlugin(plugin: string, withExtraColumn: boolean): PluginFixture {
  const models = TABLES_PER_PLUGIN.map((table, index) => {
    const model = `${capitalize(plugin)}${capitalize(table)}`;
    const extra = withExtraColumn && index === 0 ? '\n  note      String?  @db.VarChar(200)' : '';
    return `model ${model} {
  id        Int      @id @default(autoincrement())
  label     String   @db.VarChar(100)
  quantity  Int      @default(0)
  active    Boolean  @default(true)
  createdAt DateTime @default(now()) @map("created_at")${extra}

  @@index([label])
  @@map("${plugin}_${table}")
}
`;
  });
  return { models: models.join('\n'), manifest: { version: '1.0.0' } };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
