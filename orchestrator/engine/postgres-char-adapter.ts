import { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum, type SqlMigrationAwareDriverAdapterFactory, type SqlResultSet } from '@prisma/driver-adapter-utils';
import pg from 'pg';

/**
 * @prisma/adapter-pg for the schema engine, with PostgreSQL's one-byte `"char"` type working.
 *
 * The engine's describer reads catalog columns of type `"char"` (pg_constraint.contype,
 * confdeltype, …) and expects them as characters. adapter-pg 7.10 rejects that type outright,
 * so `prisma migrate diff --from-config-datasource` failed ("Column type 'char' could not be
 * deserialized"), and once reported as text the engine panicked reading `constraint_type as
 * char`. So the pg client reports those columns as text (which adapter-pg accepts) and notes
 * where they were, and the adapter's result then types them as characters.
 */
export function postgresAdapterFactory(connectionString: string, schema: string | undefined, options: { readOnly?: boolean } = {}): SqlMigrationAwareDriverAdapterFactory {
  // Read-only sessions (drift, baseline's check): the server refuses any write the engine might try.
  const config: pg.PoolConfig = { connectionString, Client: CharNotingClient, ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}) };
  const factory = new PrismaPg(config, schema ? { schema } : undefined);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => typeCharColumns(await factory.connect()),
    connectToShadowDb: async () => typeCharColumns(await factory.connectToShadowDb()),
  };
}

const PG_CHAR = 18;
const PG_TEXT = 25;

/** Result rows arrays (passed through by adapter-pg unchanged) → indexes of their `"char"` columns. */
const charColumns = new WeakMap<object, number[]>();

type QueryResult = { fields?: { dataTypeID: number }[]; rows?: unknown[] };
const BaseClient = pg.Client as unknown as new (config?: unknown) => { query(...args: unknown[]): unknown };

class CharNotingClientImpl extends BaseClient {
  override query(...args: unknown[]): unknown {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: QueryResult) => callback(error, error ? result : noteCharColumns(result));
      return super.query(...args);
    }
    const result = super.query(...args) as Promise<QueryResult> | undefined;
    return result && typeof result.then === 'function' ? result.then(noteCharColumns) : result;
  }
}
const CharNotingClient = CharNotingClientImpl as unknown as typeof pg.Client;

function noteCharColumns<T extends QueryResult>(result: T): T {
  const indexes: number[] = [];
  result?.fields?.forEach((field, index) => {
    if (field.dataTypeID !== PG_CHAR) return;
    field.dataTypeID = PG_TEXT;
    indexes.push(index);
  });
  if (indexes.length > 0 && result.rows) charColumns.set(result.rows, indexes);
  return result;
}

/** Wraps an adapter (and the transactions it opens) so noted columns come back as characters. */
function typeCharColumns<T extends object>(queryable: T): T {
  return new Proxy(queryable, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'queryRaw') {
        return async (...args: unknown[]) => {
          const result = (await value.apply(target, args)) as SqlResultSet;
          for (const index of charColumns.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
          return result;
        };
      }
      if (property === 'startTransaction') return async (...args: unknown[]) => typeCharColumns((await value.apply(target, args)) as object);
      return value.bind(target);
    },
  });
}

