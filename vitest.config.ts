import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure core, also run under Bun by `npm test`) and `integration` (real clients over TCP
// against spawned servers on both runtimes; see test/helpers/server.ts).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 20_000 } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          pool: "forks",
        },
      },
    ],
  },
});
