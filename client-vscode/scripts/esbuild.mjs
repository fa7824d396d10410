// Bundles the extension and vscode-languageclient into dist/extension.js, so that the .vsix needs
// no node_modules. `vscode` is provided by the host at run time. The conversation view's script
// is bundled separately for the browser (dist/webview/conversation.js).
import { build } from 'esbuild';

const minify = process.argv.includes('--minify');

await build({
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: true,
  minify,
  logLevel: 'info',
});

await build({
  entryPoints: ['src/webview/conversation.ts'],
  outfile: 'dist/webview/conversation.js',
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: false,
  minify,
  logLevel: 'info',
});
