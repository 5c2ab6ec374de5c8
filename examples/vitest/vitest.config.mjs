// vitest: one valkey-bun server for the whole run (see global-setup.mjs).
export default {
  test: {
    globalSetup: ["./global-setup.mjs"],
  },
};
