import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The web UI, built into dist/ui and served by `trellis serve`. `npm run dev:ui` serves it with hot reload and
 * sends /api to the server named by TRELLIS_API (default http://127.0.0.1:8080).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // elkjs is one large file, loaded lazily with the first graph.
    chunkSizeWarningLimit: 2_000,
  },
  server: {
    proxy: { '/api': { target: process.env.TRELLIS_API ?? 'http://127.0.0.1:8080', changeOrigin: true } },
  },
})
