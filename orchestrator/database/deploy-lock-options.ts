/** How long a deploy waits for another deploy of the same database (or schema). */
export interface DeployLockOptions {
  /**
   * Milliseconds to wait before LOCK_TIMEOUT; 0 tries once. Unset: the database's default
   * (PostgreSQL's deploy lock: DEFAULT_LOCK_TIMEOUT_SECONDS; SQLite's busy timeout:
   * ORCHESTRATOR_SQLITE_BUSY_TIMEOUT_MS).
   */
  timeoutMs?: number;
  /** Told, every few seconds while waiting, who holds the lock. */
  onWait?(message: string): void;
}

/** Default wait for another deploy's lock on PostgreSQL, in seconds. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 300;
