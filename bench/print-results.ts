import type { Provider } from '../orchestrator/config/provider.ts';

export const PHASES = {
  'generate-init': 'generate, first migration (1 process)',
  'generate-update': 'generate, +1 column per plugin (1 process)',
  'generate-per-plugin': 'generate, 1 process per plugin (sum; N<=10)',
  'generate-cli-engine': 'generate --engine cli (N<=10)',
  'deploy-fresh': 'deploy, fresh database, tsx (median of 3)',
  'deploy-fresh-built': 'deploy, fresh database, built CLI (median)',
  'deploy-noop': 'deploy, nothing pending, tsx (median of 3)',
  'deploy-noop-built': 'deploy, nothing pending, built CLI (median)',
  floor: 'floor: client applies the same SQL in one call',
  'floor-with-history': 'floor + history tables and rows, one call',
  'floor-one-tx': 'floor, sqlite3 in one transaction (BEGIN…COMMIT)',
} as const;
export type PhaseId = keyof typeof PHASES;

/** What one phase cost at one size; `error` marks a phase that ran but failed (cli engine only). */
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

export class Results {
  private readonly phases = new Map<string, PhaseResult>();

  set(provider: Provider, phase: PhaseId, size: number, result: PhaseResult): void {
    this.phases.set(`${provider}|${phase}|${size}`, result);
  }

  get(provider: Provider, phase: PhaseId, size: number): PhaseResult | undefined {
    return this.phases.get(`${provider}|${phase}|${size}`);
  }

  /** The largest peak RSS over the orchestrator's own phases (the floor's client is not ours). */
  peakRss(provider: Provider, size: number): number | null {
    const values = (Object.keys(PHASES) as PhaseId[])
      .filter((phase) => !phase.startsWith('floor'))
      .map((phase) => this.get(provider, phase, size)?.maxRssKiB ?? null)
      .filter((value): value is number => value !== null);
    return values.length > 0 ? Math.max(...values) : null;
  }
}

const LABEL_WIDTH = 46;
const CELL_WIDTH = 17;

export function formatTable(results: Results, providers: Provider[], sizes: number[], startup: StartupResult[]): string {
  const lines: string[] = [];
  lines.push('Process start-up, median of 3 (wall / peak RSS)');
  for (const row of startup) lines.push(`  ${row.label.padEnd(LABEL_WIDTH - 2)}${cell(row.wallMs, row.maxRssKiB)}`);
  for (const provider of providers) {
    lines.push('');
    lines.push(`${provider.padEnd(LABEL_WIDTH)}${sizes.map((size) => `N=${size}`.padStart(CELL_WIDTH)).join('')}`);
    for (const [phase, label] of Object.entries(PHASES) as [PhaseId, string][]) {
      const cells = sizes.map((size) => {
        const result = results.get(provider, phase, size);
        if (!result) return '-'.padStart(CELL_WIDTH);
        if (result.error) return 'error'.padStart(CELL_WIDTH);
        return cell(result.wallMs, result.maxRssKiB);
      });
      if (cells.every((text) => text.trim() === '-')) continue;
      lines.push(`  ${label.padEnd(LABEL_WIDTH - 2)}${cells.join('')}`);
    }
    const ratio = (label: string, top: PhaseId, bottom: PhaseId) =>
      `  ${label.padEnd(LABEL_WIDTH - 2)}${sizes
        .map((size) => {
          const a = results.get(provider, top, size);
          const b = results.get(provider, bottom, size);
          return (a && b && !a.error && !b.error ? `${(a.wallMs / b.wallMs).toFixed(2)}x` : '-').padStart(CELL_WIDTH);
        })
        .join('')}`;
    lines.push(ratio('ratio deploy / floor, tsx', 'deploy-fresh', 'floor'));
    lines.push(ratio('ratio deploy / floor, built CLI', 'deploy-fresh-built', 'floor'));
    lines.push(ratio('ratio built deploy / floor + history', 'deploy-fresh-built', 'floor-with-history'));
    if (provider === 'sqlite') lines.push(ratio('ratio built deploy / floor in one transaction', 'deploy-fresh-built', 'floor-one-tx'));
    lines.push(ratio('ratio per-plugin processes / 1 process', 'generate-per-plugin', 'generate-init'));
  }
  return lines.join('\n');
}

/** One line per target: PASS, MISS, or SKIP when the run did not cover it. */
export function evaluateTargets(results: Results, providers: Provider[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean | null) => (ok === null ? 'SKIP' : ok ? 'PASS' : 'MISS');

  const floor = results.get('postgresql', 'floor', 50);
  for (const [phase, how] of [['deploy-fresh', 'tsx'], ['deploy-fresh-built', 'built CLI']] as const) {
    const deploy = results.get('postgresql', phase, 50);
    const ratio = deploy && floor ? deploy.wallMs / floor.wallMs : null;
    lines.push(`${verdict(ratio === null ? null : ratio <= 1.5)}  deploy within 1.5x of the floor at N=50 on postgresql, ${how}: ${ratio === null ? 'not measured' : `${ratio.toFixed(2)}x (${ms(deploy!.wallMs)} vs ${ms(floor!.wallMs)})`}`);
  }
  for (const provider of providers) {
    for (const [phase, how] of [['deploy-noop', 'tsx'], ['deploy-noop-built', 'built CLI']] as const) {
      const noop = results.get(provider, phase, 200);
      lines.push(`${verdict(noop ? noop.wallMs < 1000 : null)}  no-op deploy of 200 plugins under 1 s (${provider}, ${how}): ${noop ? ms(noop.wallMs) : 'not measured'}`);
    }
  }
  for (const provider of providers) {
    const init = results.get(provider, 'generate-init', 50);
    const update = results.get(provider, 'generate-update', 50);
    const worst = init && update ? Math.max(init.wallMs, update.wallMs) : null;
    lines.push(`${verdict(worst === null ? null : worst < 5000)}  generate of 50 plugins under 5 s (${provider}): ${init && update ? `first ${ms(init.wallMs)}, update ${ms(update.wallMs)}` : 'not measured'}`);
  }
  for (const provider of providers) {
    const peak = results.peakRss(provider, 200);
    lines.push(`${verdict(peak === null ? null : peak / 1024 < 300)}  peak memory under 300 MB at N=200 (${provider}): ${peak === null ? 'not measured' : `${mb(peak)} (max over the orchestrator's phases)`}`);
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
