#!/usr/bin/env node
// Regenerate config/stack.schema.json from the manifest's zod schema (src/stack/manifest.ts, via the build).
// Run: npm run build && node scripts/gen-stack-schema.mjs   (test/unit/manifest.test.ts checks it is current)
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { manifestJsonSchema } from "../dist/stack/manifest.js";

const out = fileURLToPath(new URL("../config/stack.schema.json", import.meta.url));
writeFileSync(out, JSON.stringify(manifestJsonSchema(), null, 2) + "\n");
console.log(`wrote ${out}`);
