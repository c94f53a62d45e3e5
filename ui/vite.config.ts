import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

// Served by the control plane under /results/ (routes/ui.ts), so every asset URL starts there.
export default defineConfig({
  base: '/results/',
  plugins: [solid()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // zod's sources carry comments Rollup cannot place and drops harmlessly: pages of noise on
      // every install, and nothing a user of dockercise can act on.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
});
