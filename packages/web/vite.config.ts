// Builds app/ into dist/ (served by the hub at /), with a .br and a .gz beside each asset for precompressed serving.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

function compressAssets(): Plugin {
  return {
    name: 'trueup-compress',
    apply: 'build',
    closeBundle() {
      const dist = join(import.meta.dirname, 'dist');
      for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
        const file = join(entry.parentPath, entry.name);
        const content = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }));
      }
    },
  };
}

export default defineConfig({
  root: join(import.meta.dirname, 'app'),
  base: '/',
  plugins: [react(), compressAssets()],
  build: { outDir: join(import.meta.dirname, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': { target: process.env.TRUEUP_HUB ?? 'https://127.0.0.1:8443', secure: false } } },
});
