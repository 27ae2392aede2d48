import { unhandledProvider, type Provider } from '../config/provider.ts';
import type { GroupMode } from './database.ts';

/**
 * The statements each database wraps around deploy's units (Database.transaction / runBatch
 * inside withTransactionGroup), written down for previews: `deploy --dry-run` and `sql` show the
 * transaction boundaries deploy really sends. Mirrors sqlite-database.ts and
 * postgres-database.ts; test/lifecycle-preview.test.ts runs a preview's SQL and compares the
 * result with a real deploy.
 */
export interface TransactionFraming {
  /** Whether the run's units share one transaction of the database (each a savepoint) in this mode. */
  groups(mode: GroupMode): boolean;
  /** Opens the shared transaction (before the first unit of a group). */
  readonly openGroup: string[];
  /** Commits it (at a commit point of a migration, before a statement outside any unit, and at the end). */
  readonly closeGroup: string[];
  /** Around one unit: a transaction of its own, or a savepoint of the group's. */
  openUnit(grouped: boolean): string[];
  closeUnit(grouped: boolean): string[];
}

/** The savepoint both databases give a group's unit (units do not nest), and previews show. */
export const UNIT_SAVEPOINT = 'orchestrator_unit';

/**
 * SQLite: a deploy is one `BEGIN IMMEDIATE` transaction with a savepoint per unit (one fsync per
 * run). Foreign keys go off before BEGIN (inside a transaction the pragma is a no-op) and are
 * checked before each savepoint is released; the connection's setting (on) is restored after.
 */
const SQLITE: TransactionFraming = {
  groups: () => true,
  openGroup: ['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE'],
  closeGroup: ['COMMIT', 'PRAGMA foreign_keys = ON'],
  openUnit: (grouped) => (grouped ? [`SAVEPOINT ${UNIT_SAVEPOINT}`] : ['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE']),
  closeUnit: (grouped) => ['PRAGMA foreign_key_check', ...(grouped ? [`RELEASE ${UNIT_SAVEPOINT}`] : ['COMMIT', 'PRAGMA foreign_keys = ON'])],
};

/**
 * PostgreSQL: each unit is its own transaction (a commit is cheap, and a run-long transaction
 * would hold every lock); only --single-transaction groups them, as savepoints of one.
 */
const POSTGRES: TransactionFraming = {
  groups: (mode) => mode === 'all-or-nothing',
  openGroup: ['BEGIN'],
  closeGroup: ['COMMIT'],
  openUnit: (grouped) => [grouped ? `SAVEPOINT ${UNIT_SAVEPOINT}` : 'BEGIN'],
  closeUnit: (grouped) => [grouped ? `RELEASE SAVEPOINT ${UNIT_SAVEPOINT}` : 'COMMIT'],
};

export function transactionFramingFor(provider: Provider): TransactionFraming {
  switch (provider) {
    case 'sqlite':
      return SQLITE;
    case 'postgresql':
      return POSTGRES;
    default:
      return unhandledProvider(provider);
  }
}
