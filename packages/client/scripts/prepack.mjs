// `npm pack` packs dist/ as it finds it: refuse to pack a package with no build in it.
import { existsSync } from 'node:fs';

const missing = ['dist/index.js', 'dist/index.d.ts'].filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(`@chorus/client: ${missing.join(' and ')} missing; run \`pnpm --filter @chorus/client build\` first`);
  process.exit(1);
}
