import { type Provider, unhandledProvider } from '../config/provider.ts';
import type { PluginDiffRequest } from './diff-engine.ts';

/**
 * Diffs of a small made-up schema (create, alter, drop) that a diff worker runs while it waits
 * for its first request. The engine's code is compiled lazily and optimised as it runs, so the
 * first hundred or so diffs of a run take several times longer than the rest; run early, on a
 * core the main thread leaves free while it reads the plugins' models, that cost is off the
 * critical path, and the compiled code is shared with every other thread of the process.
 */
export function warmUpDiffs(provider: Provider): PluginDiffRequest[] {
  const header = { path: 'warm-up/schema.prisma', content: `datasource db {\n  provider = "${provider}"\n}\n` };
  const models = { path: 'warm-up/models.prisma', content: warmUpModels(provider) };
  const altered = { path: models.path, content: models.content.replace('  createdAt', '  note      String?\n  createdAt') };
  const request = (from: PluginDiffRequest['from'], to: PluginDiffRequest['to']): PluginDiffRequest => ({ plugin: 'warm-up', provider, from, to, externalTables: [], externalEnums: [] });
  return [request(null, [header, models]), request([header, models], [header, altered]), request([header, altered], [header, models]), request([header, models], [header])];
}

function warmUpModels(provider: Provider): string {
  switch (provider) {
    case 'postgresql':
      return models('@db.VarChar(100)', 'enum WarmUpStatus {\n  ACTIVE\n  GONE\n}\n', '  status    WarmUpStatus @default(ACTIVE)\n');
    case 'sqlite':
      return models('', '', '');
    default:
      return unhandledProvider(provider);
  }
}

function models(nativeType: string, enumBlock: string, enumField: string): string {
  return `${enumBlock}model WarmUpOwner {
  id    Int          @id @default(autoincrement())
  name  String       @unique
  items WarmUpItem[]

  @@map("warm_up_owner")
}

model WarmUpItem {
  id        Int      @id @default(autoincrement())
  label     String   ${nativeType}
  quantity  Int      @default(0)
  active    Boolean  @default(true)
${enumField}  createdAt DateTime @default(now()) @map("created_at")
  ownerId   Int
  owner     WarmUpOwner @relation(fields: [ownerId], references: [id], onDelete: Cascade)

  @@index([label])
  @@unique([ownerId, label])
  @@map("warm_up_item")
}
`;
}
