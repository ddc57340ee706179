import { defineConfig } from 'vite';

// The dashboard is embedded in the starmon binary and served at `/` (assets under `/assets/`).
// While developing, `npm run dev` proxies the API to a running `starmon serve`
// (STARMON_URL, default http://127.0.0.1:18080).
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: {
      '/api': process.env.STARMON_URL ?? 'http://127.0.0.1:18080',
    },
  },
});
