import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

// Served by the control plane under /results/ (routes/ui.ts), so every asset URL starts there.
export default defineConfig({
  base: '/results/',
  plugins: [solid()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
