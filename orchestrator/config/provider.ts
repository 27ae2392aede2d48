/** The databases the orchestrator migrates. Prisma's own provider names, as in `datasource db`. */
export const PROVIDERS = ['sqlite', 'postgresql'] as const;
export type Provider = (typeof PROVIDERS)[number];

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/** Makes a `switch` over providers fail to compile when a provider is added and not handled. */
export function unhandledProvider(provider: never): never {
  throw new Error(`Unhandled provider: ${String(provider)}`);
}
