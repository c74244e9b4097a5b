import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The API server `pnpm dev` starts beside Vite (apps/server, PORT 3000 by default).
const api = process.env.CHORUS_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Workspace packages are used from their TypeScript source (see packages/client/package.json).
    conditions: ['@chorus/source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/trpc': { target: api, ws: true },
      '/files': { target: api },
      // With the slash: /ai/images itself is the app's image page.
      '/ai/images/': { target: api },
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
  },
});
