import path from 'node:path';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { OrchestratorError, type ErrorCode } from '../errors.ts';
import { driverErrorCode } from '../database/classify-database-error.ts';

/**
 * Reading the project's own files (manifests, models, templates) with errors that name the path
 * and the fix, instead of a Node.js stack trace: a broken symbolic link, a folder where a file
 * belongs (or the reverse), a file this user may not read.
 */

/** A text file; `code` is the error code a failure carries (the concern the file belongs to). */
export function readProjectFile(filePath: string, code: ErrorCode): string {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (error) {
    throw unreadable(filePath, error, code, 'file');
  }
}

/** The entries of a folder, sorted. */
export function listProjectFolder(dir: string, code: ErrorCode): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw unreadable(dir, error, code, 'folder');
  }
}

/** Whether `entryPath` is a folder (following symbolic links); a link to nothing is an error, not "no". */
export function isProjectFolder(entryPath: string, code: ErrorCode): boolean {
  try {
    return statSync(entryPath).isDirectory();
  } catch (error) {
    throw unreadable(entryPath, error, code, 'folder');
  }
}

function unreadable(target: string, error: unknown, code: ErrorCode, expected: 'file' | 'folder'): OrchestratorError {
  const reason = (): { what: string; fix: string } => {
    switch (driverErrorCode(error)) {
      case 'ENOENT':
        return isSymbolicLink(target)
          ? { what: 'is a symbolic link to a path that does not exist', fix: 'Restore the link\'s target, or remove the link.' }
          : { what: 'does not exist', fix: `Create the ${expected}, or correct the path.` };
      case 'EACCES':
      case 'EPERM':
        return { what: 'cannot be read: permission denied', fix: `Make it readable (and, for a folder, searchable) by the user running the orchestrator${process.getuid ? ` (uid ${process.getuid()})` : ''}.` };
      case 'EISDIR':
        return { what: 'is a folder, not a file', fix: 'Replace it with a file, or move the folder away.' };
      case 'ENOTDIR':
        return { what: 'is a file, not a folder', fix: 'Replace it with a folder, or move the file away.' };
      case 'ELOOP':
        return { what: 'is a loop of symbolic links', fix: 'Point the link at a real file or folder.' };
      default:
        return { what: `cannot be read (${error instanceof Error ? error.message : String(error)})`, fix: `Check the ${expected} and its permissions.` };
    }
  };
  const { what, fix } = reason();
  return new OrchestratorError(code, `${target} ${what}.`, { fix, cause: error });
}

function isSymbolicLink(target: string): boolean {
  try {
    return lstatSync(target).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A path for a message: relative to where the user stands when it is below it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
