// `npm pack` / publish: the packed package.json leaves out the `prepare` script. It builds clones and git installs
// (scripts/prepare.mjs) but never runs for a tarball or registry install, where it only made npm list valkey-bun
// among the packages with install scripts to approve. `prepack` strips it, `postpack` puts the file back byte for
// byte; a pack that died in between is repaired by the next `prepare` or `npm pack`.
//   node scripts/pack-manifest.mjs strip | restore
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MANIFEST = join(ROOT, "package.json");
const BACKUP = join(ROOT, "node_modules", ".cache", "valkey-bun-pack", "package.json");

/** Put the real package.json back if a pack left the stripped one in place. */
export function restore() {
  if (existsSync(BACKUP)) renameSync(BACKUP, MANIFEST);
}

export function strip() {
  restore();
  const text = readFileSync(MANIFEST, "utf8");
  const pkg = JSON.parse(text);
  if (!pkg.scripts?.prepare) return;
  mkdirSync(dirname(BACKUP), { recursive: true });
  writeFileSync(BACKUP, text);
  delete pkg.scripts.prepare;
  // Written aside and renamed, so whatever reads package.json meanwhile (a test run, an editor) sees a whole file.
  writeFileSync(`${BACKUP}.stripped`, JSON.stringify(pkg, null, 2) + "\n");
  renameSync(`${BACKUP}.stripped`, MANIFEST);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const what = process.argv[2];
  if (what === "strip") strip();
  else if (what === "restore") restore();
  else {
    console.error("usage: node scripts/pack-manifest.mjs strip | restore");
    process.exit(2);
  }
}
