import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './scripts/precompress.ts';

// The API runs separately in development (`npm run dev:server`); Vite forwards /api to it so the
// browser still sees one origin, as in production.
export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    // Inline assets would be data: URLs; keep them as files so the CSP stays 'self'.
    assetsInlineLimit: 0,
    // Every browser the app supports (WebCrypto in workers, module workers) preloads modules natively:
    // the polyfill would only add to the first visit's bytes.
    modulePreload: { polyfill: false },
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: { '/api': 'http://localhost:8080' },
  },
});
