import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, SqlQuery, SqlResultSet } from '@prisma/driver-adapter-utils';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { Provider } from '../config/provider.ts';
import { unhandledProvider } from '../config/provider.ts';

/**
 * A driver adapter for diffing schema files against schema files, which needs no database.
 *
 * The wasm engine insists on an adapter, and on PostgreSQL it runs one probe query when it
 * starts (does the schema exist, which server version). This adapter answers that probe as a
 * current PostgreSQL would and refuses everything else, so `generate` provably never reads or
 * writes a database: any other query fails loudly instead of touching one.
 */
export function offlineAdapterFactory(provider: Provider): SqlMigrationAwareDriverAdapterFactory {
  const adapterProvider = toAdapterProvider(provider);
  const connect = async (): Promise<SqlDriverAdapter> => ({
    provider: adapterProvider,
    adapterName: 'orchestrator-offline',
    async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
      if (adapterProvider === 'postgres' && query.sql.includes('pg_namespace')) {
        return {
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, 'PostgreSQL 16.0 (offline: generate reads no database)', 160000]],
        };
      }
      throw refuse(query.sql);
    },
    async executeRaw(query: SqlQuery): Promise<number> {
      throw refuse(query.sql);
    },
    async executeScript(script: string): Promise<void> {
      throw refuse(script);
    },
    async startTransaction(): Promise<never> {
      throw refuse('BEGIN');
    },
    async dispose(): Promise<void> {},
  });
  return {
    provider: adapterProvider,
    adapterName: 'orchestrator-offline',
    connect,
    connectToShadowDb: connect,
  };
}

function refuse(sql: string): Error {
  return new Error(`The offline schema engine was asked to run SQL, which generate never does: ${sql.slice(0, 120)}`);
}

function toAdapterProvider(provider: Provider): 'sqlite' | 'postgres' {
  switch (provider) {
    case 'sqlite':
      return 'sqlite';
    case 'postgresql':
      return 'postgres';
    default:
      return unhandledProvider(provider);
  }
}
