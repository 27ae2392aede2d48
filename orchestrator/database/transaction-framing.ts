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
  /** Whether a unit shares the group's transaction (as a savepoint) in this mode; `newObjectsOnly` as in BatchOptions. */
  groups(mode: GroupMode, newObjectsOnly: boolean): boolean;
  /** How many units one group transaction holds at most before it commits and the next opens. */
  unitsPerGroup(mode: GroupMode): number;
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
  unitsPerGroup: () => Infinity,
  openGroup: ['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE'],
  closeGroup: ['COMMIT', 'PRAGMA foreign_keys = ON'],
  openUnit: (grouped) => (grouped ? [`SAVEPOINT ${UNIT_SAVEPOINT}`] : ['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE']),
  closeUnit: (grouped) => ['PRAGMA foreign_key_check', ...(grouped ? [`RELEASE ${UNIT_SAVEPOINT}`] : ['COMMIT', 'PRAGMA foreign_keys = ON'])],
};

/**
 * Units per PostgreSQL keep-earlier group: a commit saves ~1-2 ms of a fresh install's 5-10 ms
 * migration, and each created table takes about five entries of the server's shared lock table
 * (max_locks_per_transaction × max_connections: 6,400 by default) until its transaction ends.
 */
export const POSTGRES_UNITS_PER_GROUP = 32;

/**
 * PostgreSQL: a unit that touches what existed before the deploy is its own transaction, so its
 * locks last no longer than it does; consecutive units that only create new objects share one,
 * up to POSTGRES_UNITS_PER_GROUP; --single-transaction makes every unit a savepoint of one.
 */
const POSTGRES: TransactionFraming = {
  groups: (mode, newObjectsOnly) => mode === 'all-or-nothing' || newObjectsOnly,
  unitsPerGroup: (mode) => (mode === 'all-or-nothing' ? Infinity : POSTGRES_UNITS_PER_GROUP),
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
