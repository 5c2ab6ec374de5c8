#!/usr/bin/env node
// dist/cli.js (copied there by scripts/bundle.mjs): `node dist/cli.js`, and what older installs link as the bin.
// It runs dist/cli.cjs (scripts/cli-loader.cjs), the CLI's CommonJS entry.
// Through process.getBuiltinModule where Node has it (20.16+): an ES module import of node:module builds its facade.
const { createRequire } = process.getBuiltinModule?.("node:module") ?? (await import("node:module"));
createRequire(import.meta.url)("./cli.cjs");
