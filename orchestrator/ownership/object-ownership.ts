/**
 * Which plugin owns each database object the plugins' schemas create. Generate (the external
 * filters), the deploy-time SQL check and the lifecycle commands all read this one model.
 *
 * CONTRACT shared by the schema, SQL and deploy work: change it only together.
 * Keys are database names exactly as Prisma creates them (after @@map / @map, quoted, so never
 * case-folded). Case-insensitive comparison, where a database needs it (SQLite), is the
 * reader's business.
 */
export interface ObjectOwnership {
  /** Tables → plugin: every model's table, implicit many-to-many join tables (`_AToB`), history tables. */
  tables: Map<string, string>;
  /** Enum types (PostgreSQL) → plugin. */
  enums: Map<string, string>;
  /** Index and constraint names (`books_title_idx`, `books_pkey`, explicit `map:` names) → plugin. */
  indexes: Map<string, string>;
}
