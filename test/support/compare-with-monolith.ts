import assert from 'node:assert/strict';
import type { Provider } from '../../orchestrator/config/provider.ts';
import { diffCatalogs, readCatalog, type Catalog } from './database-catalog.ts';
import { monolithicSql } from './monolithic-schema.ts';
import type { PluginFixture } from './temp-project.ts';
import { createTestDatabase, type TestDatabase } from './test-databases.ts';

/**
 * Issue 10's yardstick: the same plugins' models as one ordinary Prisma schema, its
 * `prisma migrate diff --from-empty --script` applied in one go to a fresh database of the same
 * provider, read back as a catalog. The fresh database is dropped again.
 */
export async function monolithCatalog(plugins: Record<string, PluginFixture>, provider: Provider): Promise<Catalog> {
  const sql = await monolithicSql(plugins, provider);
  const db = await createTestDatabase(provider);
  try {
    await db.exec(sql).catch((error: unknown) => {
      throw new Error(`The monolithic schema's own SQL (prisma migrate diff --from-empty) does not apply on ${provider}: ${String(error)}`);
    });
    return await readCatalog(db);
  } finally {
    await db.drop();
  }
}

/** Fails, listing each difference, unless the deployed database equals the monolith of `plugins`. */
export async function assertMatchesMonolith(db: TestDatabase, plugins: Record<string, PluginFixture>): Promise<void> {
  const [deployed, monolith] = await Promise.all([readCatalog(db), monolithCatalog(plugins, db.provider)]);
  const differences = diffCatalogs(deployed, monolith);
  assert.deepEqual(differences, [], `the database differs from the same models as one monolithic schema:\n  ${differences.join('\n  ')}`);
}
