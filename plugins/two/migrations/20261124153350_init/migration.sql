-- CreateTable
CREATE TABLE "users" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT,
    "address" TEXT,
    "favoriteBookId" INTEGER,
    CONSTRAINT "users_favoriteBookId_fkey" FOREIGN KEY ("favoriteBookId") REFERENCES "books" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
