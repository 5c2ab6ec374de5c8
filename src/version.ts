// Versions reported on the wire. A unit test keeps VERSION equal to package.json's version.
export const VERSION = "0.1.0";
/** What INFO's redis_version and HELLO's version say: clients gate features on Redis 7.2 semantics. */
export const REDIS_COMPAT_VERSION = "7.2.4";
/** INFO's valkey_version: the Valkey release whose behaviour this server follows. */
export const VALKEY_VERSION = "8.0.2";
