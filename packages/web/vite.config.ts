// Builds app/ into dist/ (served by the hub at /), with a .gz beside each asset for precompressed serving.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

function gzipAssets(): Plugin {
  return {
    name: 'trueup-gzip',
    apply: 'build',
    closeBundle() {
      const dist = join(import.meta.dirname, 'dist');
      for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
        const file = join(entry.parentPath, entry.name);
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: join(import.meta.dirname, 'app'),
  base: '/',
  plugins: [react(), gzipAssets()],
  build: { outDir: join(import.meta.dirname, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': { target: process.env.TRUEUP_HUB ?? 'https://127.0.0.1:8443', secure: false } } },
});
