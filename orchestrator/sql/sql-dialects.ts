import { unhandledProvider, type Provider } from '../config/provider.ts';
import { PostgresSqlDialect } from './postgres-sql-dialect.ts';
import type { SqlDialect } from './sql-dialect.ts';
import { SqliteSqlDialect } from './sqlite-sql-dialect.ts';

const postgres = new PostgresSqlDialect();
const sqlite = new SqliteSqlDialect();

/** The one place that picks a dialect by provider. */
export function sqlDialectFor(provider: Provider): SqlDialect {
  switch (provider) {
    case 'postgresql':
      return postgres;
    case 'sqlite':
      return sqlite;
    default:
      return unhandledProvider(provider);
  }
}
