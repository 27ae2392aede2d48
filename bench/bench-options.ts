import { parseArgs } from 'node:util';
import { isProvider, type Provider } from '../orchestrator/config/provider.ts';

export interface BenchOptions {
  sizes: number[];
  providers: Provider[];
  rounds: number;
  /** Tenant schemas for the multi-target rows; 0 leaves the rows out. */
  tenants: number;
  tenantPlugins: number;
}

export const USAGE = `Usage: npm run bench -- [options]

Times generate, deploy (fresh and no-op; from source through tsx, built, and --single-transaction),
the database clients' floors and the official \`prisma migrate deploy\` of the same tables as one
monolithic schema, for N synthetic plugins of 3 tables each, and prints PASS/MISS per target.

Options:
  --sizes <list>           plugin counts N, comma-separated (default 1,10,50,200,1000;
                           the targets need 50, 200 and 1000)
  --providers <list>       sqlite and/or postgresql (default sqlite,postgresql)
  --rounds <n>             interleaved rounds of fresh deploys and floors, and no-op deploys per
                           tool; medians are reported (default 3)
  --tenants <n>            tenant schemas for the \`deploy --targets\` rows, PostgreSQL only;
                           0 leaves them out (default 50)
  --tenant-plugins <n>     plugins deployed to each tenant (default 10)
  -h, --help               this text

Quick run (2-3 minutes):    npm run bench -- --sizes 10 --rounds 1 --tenants 5
Full run (the targets):     npm run bench   (35-45 minutes on 2 idle cores; N=1000 is most of it)`;

/** Parses the bench's arguments; throws an Error whose message includes the usage on bad input. */
export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1,10,50,200,1000' },
      providers: { type: 'string', default: 'sqlite,postgresql' },
      rounds: { type: 'string', default: '3' },
      tenants: { type: 'string', default: '50' },
      'tenant-plugins': { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const sizes = values.sizes.split(',').map((text) => positiveInteger('--sizes', text));
  const providers = values.providers.split(',').map((text) => text.trim());
  if (!providers.every(isProvider)) throw new Error(`--providers must list sqlite and/or postgresql, got "${values.providers}"\n\n${USAGE}`);
  return {
    sizes,
    providers,
    rounds: positiveInteger('--rounds', values.rounds),
    tenants: positiveInteger('--tenants', values.tenants, 0),
    tenantPlugins: positiveInteger('--tenant-plugins', values['tenant-plugins']),
  };
}

function positiveInteger(option: string, text: string, min = 1): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < min) throw new Error(`${option} takes whole numbers of at least ${min}, got "${text}"\n\n${USAGE}`);
  return value;
}
