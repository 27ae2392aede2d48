import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SchemaFile } from '../schema/compose-schema.ts';

/**
 * Writes schema files as a multi-file Prisma schema folder, each at its project-relative path,
 * so that the CLI's messages (`--> plugins/one/models.prisma:3`) name the real files when it
 * runs in that folder. A path leading out of the project is kept inside the folder.
 */
export function writeSchemaFolder(dir: string, files: SchemaFile[]): string {
  for (const file of files) {
    const relative = path.normalize(file.path).replace(/^(\.\.(\/|\\|$))+/, '');
    const target = path.join(dir, path.isAbsolute(relative) ? path.basename(relative) : relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return dir;
}
