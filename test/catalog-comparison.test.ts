import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Provider } from '../orchestrator/config/provider.ts';
import { diffCatalogs, readCatalog, type Catalog } from './support/database-catalog.ts';
import { monolithicSchema, monolithicSql, readFixturePlugins } from './support/monolithic-schema.ts';
import { REPO_ROOT } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase } from './support/test-databases.ts';

/**
 * The yardstick of real-schemas.test.ts must itself be able to fail: two monoliths one version
 * apart must differ in exactly the edits made between them, and a monolith must equal itself.
 */

const COMMERCE = path.join(REPO_ROOT, 'test/fixtures/commerce');

async function monolith(version: string, provider: Provider): Promise<Catalog> {
  const db = await createTestDatabase(provider);
  try {
    await db.exec(await monolithicSql(readFixturePlugins(path.join(COMMERCE, version)), provider));
    return await readCatalog(db);
  } finally {
    await db.drop();
  }
}

describe('comparing database catalogs', { concurrency: true }, () => {
  for (const provider of PROVIDERS_UNDER_TEST) {
    test(`on ${provider}, the catalogs of commerce v1 and v2 differ in exactly v2's edits`, async () => {
      const [v1, v2] = await Promise.all([monolith('v1', provider), monolith('v2', provider)]);
      assert.deepEqual(diffCatalogs(v1, structuredClone(v1)), []);
      const differences = diffCatalogs(v2, v1, ['v2', 'v1']);
      const expected = [
        'tables.addresses.indexes.addresses_customerId_kind_idx: only in v2',
        'tables.carriers: only in v2',
        'tables.carts.columns.customerId.nullable: v2 true, v1 false',
        'tables.carts.columns.sessionToken: only in v2',
        'tables.carts.indexes.carts_sessionToken_key: only in v2',
        'tables.customers.columns.fax: only in v1',
        'tables.customers.columns.marketingOptIn: only in v2',
        'tables.orders.columns.channel: only in v2',
        'tables.orders.columns.notes: only in v1',
        'tables.products.columns.taxable: only in v2',
        'tables.products.columns.weightGrams: only in v2',
        'tables.products.indexes.products_status_created_idx: only in v2',
        'tables.reviews.columns.verifiedPurchase: only in v2',
        'tables.reviews.indexes.reviews_product_rating_idx: only in v2',
        'tables.shipment_items: only in v2',
        'tables.shipments: only in v2',
      ];
      if (provider === 'postgresql') {
        expected.push(
          'enums.Currency: v2 ["EUR","USD","GBP","CHF"], v1 ["EUR","USD","GBP"]',
          'enums.OrderStatus: v2 ["PENDING","PAID","SHIPPED","CANCELLED","REFUNDED"], v1 ["PENDING","PAID","SHIPPED","CANCELLED"]',
          'enums.ShipmentStatus: only in v2',
          'sequences: v2 ["addresses_id_seq","brands_id_seq","carriers_id_seq","cart_items_id_seq","carts_id_seq","categories_id_seq","coupons_id_seq","customer_groups_id_seq","points_entries_id_seq","product_images_id_seq","product_variants_id_seq","refunds_id_seq","review_reports_id_seq","reviews_id_seq","rewards_id_seq","tags_id_seq"], v1 ["addresses_id_seq","brands_id_seq","cart_items_id_seq","carts_id_seq","categories_id_seq","coupons_id_seq","customer_groups_id_seq","points_entries_id_seq","product_images_id_seq","product_variants_id_seq","refunds_id_seq","review_reports_id_seq","reviews_id_seq","rewards_id_seq","tags_id_seq"]',
        );
      }
      // The foreign key's key is its name on PostgreSQL and its columns on SQLite.
      const cartsFk = differences.filter((line) => line.startsWith('tables.carts.foreignKeys.'));
      assert.equal(cartsFk.length, 1, differences.join('\n'));
      assert.match(cartsFk[0]!, /v2 ".*ON DELETE SET NULL.*", v1 ".*ON DELETE CASCADE.*"/);
      assert.deepEqual(differences.filter((line) => !line.startsWith('tables.carts.foreignKeys.')).sort(), expected.sort());
    });
  }

  test('SQLite monoliths lose native types where Prisma locates them, and nothing else', () => {
    const plugins = readFixturePlugins(path.join(COMMERCE, 'v1'));
    const sqlite = monolithicSchema(plugins, 'sqlite').find((file) => file.path === 'plugins/catalog/models.prisma')!.content;
    const postgres = monolithicSchema(plugins, 'postgresql').find((file) => file.path === 'plugins/catalog/models.prisma')!.content;
    assert.match(postgres, /sku\s+String\s+@unique @db\.VarChar\(64\)/);
    assert.doesNotMatch(sqlite, /@db\./);
    assert.match(sqlite, /sku\s+String\s+@unique\s*\n/);
    assert.match(sqlite, /\/\/\/ Free-form labels; a product has many, a tag many products \(Prisma's implicit join table\)\./, 'comments are kept');
  });
});
