import type { Provider } from '../orchestrator/config/provider.ts';

export const PHASES = {
  'generate-init': 'generate, first migration, tsx',
  'generate-update': 'generate, +1 column per plugin, tsx',
  'generate-init-built': 'generate, first migration, built CLI',
  'generate-update-built': 'generate, +1 column per plugin, built CLI',
  'generate-per-plugin': 'generate, 1 process per plugin (sum; N<=10)',
  'generate-cli-engine': 'generate --engine cli (N<=10)',
  'deploy-fresh': 'deploy, fresh database, tsx',
  'deploy-fresh-built': 'deploy, fresh database, built CLI',
  'deploy-fresh-single-tx': 'deploy --single-transaction, fresh, built',
  'deploy-noop': 'deploy, nothing pending, tsx',
  'deploy-noop-built': 'deploy, nothing pending, built CLI',
  'prisma-deploy-fresh': 'prisma migrate deploy, monolith, fresh',
  'prisma-deploy-noop': 'prisma migrate deploy, monolith, no-op',
  floor: 'floor: same SQL, client, one transaction',
  'floor-with-history': 'floor + history tables and rows',
  'floor-per-migration': 'floor + history, a transaction per migration',
} as const;
export type PhaseId = keyof typeof PHASES;

/** Phases that time someone else's program: not counted in the orchestrator's peak memory. */
const NOT_OURS: PhaseId[] = ['floor', 'floor-with-history', 'floor-per-migration', 'prisma-deploy-fresh', 'prisma-deploy-noop'];

/** What one phase cost at one size; `error` marks a phase that ran but failed (optional phases only). */
export interface PhaseResult {
  wallMs: number;
  maxRssKiB: number | null;
  error?: string;
}

export interface StartupResult {
  label: string;
  wallMs: number;
  maxRssKiB: number | null;
}

/** The multi-target deploy: one plugin set to many tenant schemas, at each concurrency. */
export interface TenantResult {
  plugins: number;
  tenants: number;
  rounds: number;
  /** Why the rows were not measured (the CLI lacks `deploy --targets`), else undefined. */
  skipped?: string;
  byConcurrency: { concurrency: number; result: PhaseResult }[];
}

export class Results {
  private readonly phases = new Map<string, PhaseResult>();

  set(provider: Provider, phase: PhaseId, size: number, result: PhaseResult): void {
    this.phases.set(`${provider}|${phase}|${size}`, result);
  }

  /** A result that ran to completion; failed ones are shown in the table but never compared. */
  get(provider: Provider, phase: PhaseId, size: number): PhaseResult | undefined {
    const result = this.phases.get(`${provider}|${phase}|${size}`);
    return result?.error ? undefined : result;
  }

  getWithError(provider: Provider, phase: PhaseId, size: number): PhaseResult | undefined {
    return this.phases.get(`${provider}|${phase}|${size}`);
  }

  /** The largest peak RSS over the orchestrator's own phases (floors and Prisma are not ours). */
  peakRss(provider: Provider, size: number): number | null {
    const values = (Object.keys(PHASES) as PhaseId[])
      .filter((phase) => !NOT_OURS.includes(phase))
      .map((phase) => this.get(provider, phase, size)?.maxRssKiB ?? null)
      .filter((value): value is number => value !== null);
    return values.length > 0 ? Math.max(...values) : null;
  }
}

const LABEL_WIDTH = 50;
const CELL_WIDTH = 17;

/** `top / bottom` at each size: how many times slower `top` is. */
const RATIOS: [string, PhaseId, PhaseId][] = [
  ['ratio built deploy / floor', 'deploy-fresh-built', 'floor'],
  ['ratio built deploy / floor + history', 'deploy-fresh-built', 'floor-with-history'],
  ['ratio built deploy / floor, tx per migration', 'deploy-fresh-built', 'floor-per-migration'],
  ['ratio --single-transaction / floor', 'deploy-fresh-single-tx', 'floor'],
  ['ratio tsx deploy / floor', 'deploy-fresh', 'floor'],
  ['ratio prisma migrate deploy / floor', 'prisma-deploy-fresh', 'floor'],
  // The least any tool keeping a history table per plugin pays over the floor: their DDL and rows alone.
  ['bound: floor + history / floor', 'floor-with-history', 'floor'],
  ['bound: prisma / (floor + history)', 'prisma-deploy-fresh', 'floor-with-history'],
  ['speed-up vs prisma, fresh (prisma / built)', 'prisma-deploy-fresh', 'deploy-fresh-built'],
  ['speed-up vs prisma, no-op (prisma / built)', 'prisma-deploy-noop', 'deploy-noop-built'],
  ['ratio per-plugin processes / 1 process', 'generate-per-plugin', 'generate-init'],
];

export function formatTable(results: Results, providers: Provider[], sizes: number[], startup: StartupResult[], tenants: TenantResult | undefined): string {
  const lines: string[] = [];
  lines.push('Process start-up, median of 3 (wall / peak RSS)');
  for (const row of startup) lines.push(`  ${row.label.padEnd(LABEL_WIDTH - 2)}${cell(row.wallMs, row.maxRssKiB)}`);
  for (const provider of providers) {
    lines.push('');
    lines.push(`${provider.padEnd(LABEL_WIDTH)}${sizes.map((size) => `N=${size}`.padStart(CELL_WIDTH)).join('')}`);
    for (const [phase, label] of Object.entries(PHASES) as [PhaseId, string][]) {
      const cells = sizes.map((size) => {
        const result = results.getWithError(provider, phase, size);
        if (!result) return '-'.padStart(CELL_WIDTH);
        if (result.error) return 'error'.padStart(CELL_WIDTH);
        return cell(result.wallMs, result.maxRssKiB);
      });
      if (cells.every((text) => text.trim() === '-')) continue;
      lines.push(`  ${label.padEnd(LABEL_WIDTH - 2)}${cells.join('')}`);
    }
    const errors = (Object.keys(PHASES) as PhaseId[]).flatMap((phase) =>
      sizes.flatMap((size) => {
        const error = results.getWithError(provider, phase, size)?.error;
        return error ? [`    error: ${PHASES[phase]}, N=${size}: ${error}`] : [];
      }),
    );
    for (const [label, top, bottom] of RATIOS) {
      const cells = sizes.map((size) => {
        const a = results.get(provider, top, size);
        const b = results.get(provider, bottom, size);
        return (a && b ? `${(a.wallMs / b.wallMs).toFixed(2)}x` : '-').padStart(CELL_WIDTH);
      });
      if (cells.every((text) => text.trim() === '-')) continue;
      lines.push(`  ${label.padEnd(LABEL_WIDTH - 2)}${cells.join('')}`);
    }
    lines.push(...errors);
  }
  if (tenants) lines.push('', ...formatTenants(tenants));
  return lines.join('\n');
}

function formatTenants(tenants: TenantResult): string[] {
  const title = `postgresql: ${tenants.plugins} plugins to ${tenants.tenants} tenant schemas (deploy --targets, built CLI, median of ${tenants.rounds})`;
  if (tenants.skipped) return [title, `  skipped: ${tenants.skipped}`];
  const lines = [title];
  for (const { concurrency, result } of tenants.byConcurrency) {
    lines.push(`  ${`--concurrency ${concurrency}`.padEnd(LABEL_WIDTH - 2)}${result.error ? `error: ${result.error}` : cell(result.wallMs, result.maxRssKiB)}`);
  }
  const [first, last] = [tenants.byConcurrency[0], tenants.byConcurrency.at(-1)];
  if (first && last && first !== last && !first.result.error && !last.result.error) {
    lines.push(`  ${`ratio concurrency ${first.concurrency} / ${last.concurrency}`.padEnd(LABEL_WIDTH - 2)}${`${(first.result.wallMs / last.result.wallMs).toFixed(2)}x`.padStart(CELL_WIDTH)}`);
  }
  return lines;
}

/**
 * One line per target of issue 14, judged on the built CLI (what a container runs): PASS, MISS,
 * or SKIP when the run did not cover it (a size or provider left out).
 */
export function evaluateTargets(results: Results, providers: Provider[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean | null) => (ok === null ? 'SKIP' : ok ? 'PASS' : 'MISS');
  const notMeasured = 'not measured';
  const pair = (provider: Provider, size: number, top: PhaseId, bottom: PhaseId) => {
    const a = results.get(provider, top, size);
    const b = results.get(provider, bottom, size);
    return a && b ? { ratio: a.wallMs / b.wallMs, text: `${ms(a.wallMs)} vs ${ms(b.wallMs)}` } : null;
  };
  /** Says so when psql applying just the history tables and rows on top of the floor's SQL already exceeds the target. */
  const bound = (provider: Provider, size: number, max: number, exceeds: (ratio: number) => boolean, what: string) => {
    const history = pair(provider, size, 'floor-with-history', 'floor');
    return history && exceeds(history.ratio) ? `; beyond reach with a history table per plugin: ${what} ${history.ratio.toFixed(2)}x (${history.text}), over ${max}x` : '';
  };
  const within = (label: string, provider: Provider, size: number, top: PhaseId, bottom: PhaseId, max: number) => {
    const found = providers.includes(provider) ? pair(provider, size, top, bottom) : null;
    const limit = bottom === 'floor' ? bound(provider, size, max, (ratio) => ratio > max, 'the floor plus only the history tables and rows, by psql in one transaction, is already') : '';
    lines.push(`${verdict(found && found.ratio <= max)}  ${label}: ${found ? `${found.ratio.toFixed(2)}x (${found.text})${limit}` : notMeasured}`);
  };
  const fasterThanPrisma = (label: string, provider: Provider, size: number, prisma: PhaseId, ours: PhaseId, min: number) => {
    const found = pair(provider, size, prisma, ours);
    lines.push(`${verdict(found && found.ratio >= min)}  ${label}: ${found ? `${found.ratio.toFixed(2)}x (prisma ${found.text.replace(' vs ', ', ours ')})` : notMeasured}`);
  };

  within('postgresql fresh deploy at N=200 within 1.3x of the psql -1 -f floor', 'postgresql', 200, 'deploy-fresh-built', 'floor', 1.3);
  within('sqlite fresh deploy at N=200 within 2.5x of the one-transaction sqlite3 floor with history', 'sqlite', 200, 'deploy-fresh-built', 'floor-with-history', 2.5);
  for (const provider of providers) {
    const noop = results.get(provider, 'deploy-noop-built', 1000);
    lines.push(`${verdict(noop ? noop.wallMs < 500 : null)}  no-op deploy of 1000 plugins under 0.5 s (${provider}): ${noop ? ms(noop.wallMs) : notMeasured}`);
  }
  for (const provider of providers) {
    fasterThanPrisma(`fresh deploy at N=50 at least 2x faster than prisma migrate deploy (${provider})`, provider, 50, 'prisma-deploy-fresh', 'deploy-fresh-built', 2);
    fasterThanPrisma(`fresh deploy at N=200 at least 1.3x faster than prisma migrate deploy (${provider})`, provider, 200, 'prisma-deploy-fresh', 'deploy-fresh-built', 1.3);
    for (const size of [50, 200]) {
      fasterThanPrisma(`no-op deploy at N=${size} at least 5x faster than prisma migrate deploy (${provider})`, provider, size, 'prisma-deploy-noop', 'deploy-noop-built', 5);
    }
  }
  for (const provider of providers) {
    const init = results.get(provider, 'generate-init-built', 1000);
    const update = results.get(provider, 'generate-update-built', 1000);
    const worst = init && update ? Math.max(init.wallMs, update.wallMs) : null;
    lines.push(`${verdict(worst === null ? null : worst < 3000)}  generate of 1000 plugins under 3 s (${provider}): ${init && update ? `first ${ms(init.wallMs)}, update ${ms(update.wallMs)}` : notMeasured}`);
  }
  for (const provider of providers) {
    const peak = results.peakRss(provider, 1000);
    lines.push(`${verdict(peak === null ? null : peak / 1024 < 300)}  peak memory under 300 MB at N=1000 (${provider}): ${peak === null ? notMeasured : `${mb(peak)} (max over the orchestrator's phases)`}`);
  }
  return lines;
}

function cell(wallMs: number, maxRssKiB: number | null): string {
  return `${ms(wallMs)} ${maxRssKiB === null ? 'n/a' : mb(maxRssKiB)}`.padStart(CELL_WIDTH);
}

function ms(value: number): string {
  return `${Math.round(value)}ms`;
}

/** MB here is 2^20 bytes, as RSS is reported in KiB. */
function mb(kib: number): string {
  return `${Math.round(kib / 1024)}MB`;
}
