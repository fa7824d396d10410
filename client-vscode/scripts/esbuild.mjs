// Bundles the extension and vscode-languageclient into dist/extension.js, so that the .vsix needs
// no node_modules. `vscode` is provided by the host at run time.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  logLevel: 'info',
});
