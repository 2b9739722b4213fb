import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by `commonweal serve` under /console/, from dist/console: same
// origin as the API it calls, nothing loaded from elsewhere, so it works air-gapped.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The server's CSP forbids inline script; no asset may be inlined as a data: script either.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
