import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './scripts/precompress.ts';
import { releaseManifest } from './scripts/release-manifest.ts';

// The API runs separately in development (`npm run dev:server`); Vite forwards /api to it so the
// browser still sees one origin, as in production.
// releaseManifest() adds Subresource Integrity to index.html and writes the release manifest (decision 019);
// it also names source-map sources by their path in the checkout, so the build's bytes do not depend on
// the folder it is written to.
export default defineConfig({
  plugins: [react(), releaseManifest(), precompress()],
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
