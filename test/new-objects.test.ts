import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definesOnlyNewObjects, type LiveObjects } from '../orchestrator/deploy/new-objects.ts';
import { planMigration } from '../orchestrator/sql/plan-migration.ts';

/**
 * Which PostgreSQL steps may share a transaction with their neighbours during a deploy: only
 * those that define objects the deploy itself creates, so no lock they hold can make the
 * application wait. Read from the real parser's trees; no database.
 */

/** A database holding the table `books` (with its index) and the enum `Genre`. */
const LIVE: LiveObjects = {
  names: new Set(['books', 'Genre']),
  indexTables: new Map([['books_pkey', 'books'], ['books_title_idx', 'books']]),
  nameKey: (name) => name,
  targetSchema: 'public',
};

async function newObjectsOnly(sql: string, live: LiveObjects = LIVE): Promise<boolean> {
  const plan = await planMigration(sql, 'postgresql');
  assert.equal(plan.steps.length, 1, 'one step');
  return definesOnlyNewObjects(plan.steps[0]!, live);
}

describe('steps that only define new objects (deploy/new-objects.ts)', () => {
  test('a first migration of new tables, enums and indexes, as Prisma writes it', async () => {
    assert.equal(
      await newObjectsOnly(`CREATE SCHEMA IF NOT EXISTS "public";
CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
CREATE TABLE "reviews" ("id" SERIAL NOT NULL, "mood" "Mood" NOT NULL, "authorId" INTEGER NOT NULL, CONSTRAINT "reviews_pkey" PRIMARY KEY ("id"));
CREATE TABLE "authors" ("id" SERIAL NOT NULL, CONSTRAINT "authors_pkey" PRIMARY KEY ("id"));
CREATE INDEX "reviews_mood_idx" ON "reviews"("mood");
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "authors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;`),
      true,
    );
  });

  test('anything that existed before the deploy makes the step commit on its own', async () => {
    // A foreign key to an existing table locks it (SHARE ROW EXCLUSIVE) until the transaction ends.
    assert.equal(await newObjectsOnly('CREATE TABLE "loans" ("id" INTEGER PRIMARY KEY, "bookId" INTEGER REFERENCES "books"("id"))'), false);
    assert.equal(await newObjectsOnly('ALTER TABLE "books" ADD COLUMN "isbn" TEXT'), false);
    assert.equal(await newObjectsOnly('CREATE INDEX "books_isbn_idx" ON "books"("isbn")'), false);
    assert.equal(await newObjectsOnly('DROP INDEX "books_title_idx"'), false);
    assert.equal(await newObjectsOnly('ALTER TYPE "Genre" ADD VALUE \'POETRY\''), false);
    assert.equal(await newObjectsOnly('CREATE TABLE "shelves" ("id" INTEGER PRIMARY KEY, "genre" "Genre")'), false);
  });

  test('rows read or written, dynamic SQL and other schemas never share a transaction', async () => {
    assert.equal(await newObjectsOnly('CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY);\nINSERT INTO "tags" VALUES (1);'), false);
    assert.equal(await newObjectsOnly('-- orchestrator: trusted\nDO $$ BEGIN CREATE TABLE "tags" ("id" INTEGER); END $$;'), false);
    assert.equal(await newObjectsOnly('CREATE TABLE "audit"."tags" ("id" INTEGER PRIMARY KEY)'), false);
    assert.equal(await newObjectsOnly('CREATE TABLE "public"."tags" ("id" INTEGER PRIMARY KEY)'), true);
  });

  test('without the live index list, an index the text names without its table counts as existing', async () => {
    const { indexTables: _, ...withoutIndexes } = LIVE;
    assert.equal(await newObjectsOnly('CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY);\nCREATE INDEX "tags_id_idx" ON "tags"("id");', { ...withoutIndexes, indexTables: undefined }), false);
    assert.equal(await newObjectsOnly('CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY);\nCREATE INDEX "tags_id_idx" ON "tags"("id");'), true);
  });
});
