#!/usr/bin/env node
// The `aisec` command. In the repository it runs the TypeScript source through tsx (no build step after
// `npm ci`); in the Docker image, which ships only the compiled `dist/`, it runs that.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
const compiled = new URL('../dist/main.js', import.meta.url);

async function loadTsx() {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && (await loadTsx())) {
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write('aisec: neither the source with tsx (run `npm ci` at the repository root) nor a build (`npm run build -w cli`) was found\n');
  process.exit(1);
}
