import type { Provider } from '../config/provider.ts';

/**
 * Prisma's default names for primary keys, unique constraints, indexes and foreign keys
 * (`{table}_pkey`, `{table}_{columns}_key`, `_idx`, `_fkey`), cut to the database's identifier
 * length the way Prisma cuts them. A `map:` in the schema overrides these.
 */
export function primaryKeyName(table: string, provider: Provider): string {
  return withSuffix(table, '_pkey', provider);
}

export function uniqueIndexName(table: string, columns: string[], provider: Provider): string {
  return withSuffix(`${table}_${columns.join('_')}`, '_key', provider);
}

export function indexName(table: string, columns: string[], provider: Provider): string {
  return withSuffix(`${table}_${columns.join('_')}`, '_idx', provider);
}

export function foreignKeyName(table: string, columns: string[], provider: Provider): string {
  return withSuffix(`${table}_${columns.join('_')}`, '_fkey', provider);
}

/** PostgreSQL keeps 63 bytes of an identifier; Prisma's SQLite connector allows 10000. */
export function maxIdentifierLength(provider: Provider): number {
  switch (provider) {
    case 'postgresql':
      return 63;
    case 'sqlite':
      return 10000;
    default: {
      const unknown: never = provider;
      throw new Error(`unknown provider ${String(unknown)}`);
    }
  }
}

function withSuffix(base: string, suffix: string, provider: Provider): string {
  const limit = maxIdentifierLength(provider) - suffix.length;
  return `${base.length >= limit ? base.slice(0, limit) : base}${suffix}`;
}
