import { resolve } from 'node:path'
import preact from '@preact/preset-vite'
import { defineConfig, type UserConfig } from 'vite'

/**
 * One config, three separate builds (`vite build --mode chat|console|loader`), so the visitor's
 * bundle never shares a dependency graph with the agent console.
 */
const root = import.meta.dirname
const dist = resolve(root, 'dist')

const builds: Record<string, UserConfig> = {
  chat: {
    root: resolve(root, 'widget/chat'),
    base: '/chat/',
    plugins: [preact()],
    build: { outDir: resolve(dist, 'chat'), emptyOutDir: true, target: 'es2020', modulePreload: false },
  },
  console: {
    root: resolve(root, 'console'),
    base: '/console/',
    plugins: [preact()],
    build: { outDir: resolve(dist, 'console'), emptyOutDir: true, target: 'es2020' },
  },
  loader: {
    build: {
      outDir: dist,
      emptyOutDir: false,
      target: 'es2018',
      lib: { entry: resolve(root, 'widget/loader/index.ts'), formats: ['iife'], name: 'KefuLoader', fileName: () => 'widget.js' },
    },
  },
}

export default defineConfig(({ mode }) => {
  const config = builds[mode]
  if (!config) throw new Error(`vite: build with --mode chat, console or loader (got ${mode})`)
  return { ...config, logLevel: 'warn' }
})
