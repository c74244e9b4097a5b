import { defineConfig } from 'drizzle-kit';

// `pnpm db:generate` writes SQL migrations from the schema into packages/db/migrations;
// they are committed and applied by `pnpm db:migrate` and on server start.
export default defineConfig({
  dialect: 'mysql',
  schema: './packages/db/src/schema/index.ts',
  out: './packages/db/migrations',
  casing: 'snake_case',
});
