import type { ObjectOwnership } from './object-ownership.ts';

/** The ownership model deploy's checks read; see object-ownership.ts. Kept as a name for existing imports. */
export type TableOwnership = ObjectOwnership;
export { collectOwnership } from './collect-ownership.ts';
