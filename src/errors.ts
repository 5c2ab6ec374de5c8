// The only place Valkey's error texts live. Handlers throw these; only the gate turns them into replies.

export class ReplyError extends Error {
  /** Full error line without the leading '-', e.g. "ERR syntax error". */
  constructor(public readonly reply: string) {
    super(reply);
  }
}

const err = (text: string) => new ReplyError(text);

type Catalog<T> = { readonly [K in keyof T]: T[K] extends string ? ReplyError : T[K] };

/**
 * The catalog with each error text made into its ReplyError on first use, then kept (one instance per error, as
 * before): ~100 Error objects built at module load were 1-2 ms of a Bun start, where an Error costs ~15 us.
 */
function catalog<T extends Record<string, string | ((...args: never[]) => ReplyError)>>(entries: T): Catalog<T> {
  const out = {} as Record<string, unknown>;
  for (const [name, v] of Object.entries(entries)) {
    if (typeof v !== "string") out[name] = v;
    else
      Object.defineProperty(out, name, {
        configurable: true,
        enumerable: true,
        get: () => {
          const e = new ReplyError(v);
          Object.defineProperty(out, name, { value: e, enumerable: true });
          return e;
        },
      });
  }
  return out as Catalog<T>;
}

// Pre-built instances for the errors thrown on hot paths (no allocation per throw).
export const E = catalog({
  syntax: "ERR syntax error",
  notInteger: "ERR value is not an integer or out of range",
  notFloat: "ERR value is not a valid float",
  wrongType: "WRONGTYPE Operation against a key holding the wrong kind of value",
  overflow: "ERR increment or decrement would overflow",
  incrNanOrInf: "ERR increment would produce NaN or Infinity",
  noSuchKey: "ERR no such key",
  noAuth: "NOAUTH Authentication required.",
  wrongPass: "WRONGPASS invalid username-password pair or user is disabled.",
  authNotConfigured: "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
  dbIndexOutOfRange: "ERR DB index is out of range",
  invalidDbIndex: "ERR invalid DB index",
  sourceDestSame: "ERR source and destination objects are the same",
  bitOffset: "ERR bit offset is not an integer or out of range",
  bitValue: "ERR bit is not an integer or out of range",
  stringTooLong: "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
  offsetOutOfRange: "ERR offset is out of range",
  decrementOverflow: "ERR decrement would overflow",
  lcsWrongType: "ERR The specified keys must contain string values",
  lcsLenAndIdx: "ERR If you want both the length and indexes, please just use IDX.",
  lcsMemory: "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
  bitArgument: "ERR The bit argument must be 1 or 0.",
  bitopNot: "ERR BITOP NOT must be called with a single source key.",
  bitfieldType: "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
  bitfieldOverflowType: "ERR Invalid OVERFLOW type specified",
  bitfieldRoWrite: "ERR BITFIELD_RO only supports the GET subcommand",
  invalidExpire: (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`),
  nxXxGtLt: "ERR NX and XX, GT or LT options at the same time are not compatible",
  gtLtNx: "ERR GT, LT, and/or NX options at the same time are not compatible",
  execWithoutMulti: "ERR EXEC without MULTI",
  discardWithoutMulti: "ERR DISCARD without MULTI",
  execAbort: "EXECABORT Transaction discarded because of previous errors.",
  persistence: (cmd: string) =>
    err(`ERR ${cmd} is not supported: valkey-bun keeps data in memory only and never writes it to disk`),
  maxClients: "ERR max number of clients reached",
  noReplication: (cmd: string) =>
    err(`ERR ${cmd} is not supported: valkey-bun keeps data in memory only and has no replication (no replicas, no primary to follow)`),
  invalidPrimaryPort: "ERR Invalid master port",
  replicaofInCluster: "ERR REPLICAOF not allowed in cluster mode.",
  failoverInCluster: "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.",
  failoverTimeout: "ERR FAILOVER timeout must be greater than 0",
  failoverNoReplicas: "ERR FAILOVER requires connected replicas.",
  failoverNotInProgress: "ERR No failover in progress.",
  replconfUnknown: (opt: string) => err(`ERR Unrecognized REPLCONF option: ${opt}`),
  protectedMode: "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.",
  internal: "ERR internal error",
  busyEval: "BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
  busyFunction: "BUSY Valkey is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
  busyKey: "BUSYKEY Target key name already exists.",
  dumpPayload: "ERR DUMP payload version or checksum are wrong",
  badTtl: "ERR Invalid TTL value, must be >= 0",
  timeoutNotFloat: "ERR timeout is not a float or out of range",
  timeoutNegative: "ERR timeout is negative",
  protoNoAuthHello: "NOPROTO unsupported protocol version",
  // generic keyspace family (keys.ts, scan.ts, dump.ts)
  invalidCursor: "ERR invalid cursor",
  /** getIntFromObjectOrReply: an integer beyond a C int (MOVE / COPY db index). */
  notInt32: "ERR value is out of range, value must between -2147483648 and 2147483647",
  unknownTypeName: (name: string) => err(sanitize(`ERR unknown type name '${name}'`)),
  unsupportedOption: (opt: string) => err(sanitize(`ERR Unsupported option ${opt}`)),
  gtAndLt: "ERR GT and LT options at the same time are not compatible",
  badDataFormat: "ERR Bad data format",
  /** DUMP of a type whose family has not registered an RDB codec (src/dump.ts). */
  dumpUnsupported: (type: string) => err(`ERR DUMP does not support ${type} values yet`),
  invalidIdletime: "ERR Invalid IDLETIME value, must be >= 0",
  invalidFreq: "ERR Invalid FREQ value, must be >= 0 and <= 255",
  lfuNotSelected: "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
  /** maxmemory reached and nothing to evict (src/eviction.ts). */
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  lfuSelected: "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
  // hashes, sets, SCAN family
  hashNotInteger: "ERR hash value is not an integer",
  hashNotFloat: "ERR hash value is not a float",
  nanOrInfinity: "ERR value is NaN or Infinity",
  outOfRange: "ERR value is out of range",
  outOfRangePositive: "ERR value is out of range, must be positive",
  outOfRangeLong: "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
  numkeysPositive: "ERR numkeys should be greater than 0",
  numkeysTooMany: "ERR Number of keys can't be greater than number of args",
  limitNegative: "ERR LIMIT can't be negative",
  novaluesOnlyHscan: "ERR NOVALUES option can only be used in HSCAN",
  noscoresOnlyZscan: "ERR NOSCORES option can only be used in ZSCAN",
  // MODULE (no module can be loaded into this server)
  moduleCommandDenied: 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  moduleLoadFailed: "ERR Error loading the extension. Please check the server logs.",
  moduleUnloadNoSuch: "ERR Error unloading module: no such module with that name",
  // MIGRATE
  migrateKeysNeedEmptyKey: "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
  migrateConnect: "IOERR error or timeout connecting to the client",
  migrateIo: (stage: "reading" | "writing") => err(`IOERR error or timeout ${stage} to target instance`),
  migrateTarget: (reply: string) => err(sanitize(`ERR Target instance replied with error: ${reply}`)),
} as const);

export function unknownCommand(name: string, args: string[]): ReplyError {
  // Valkey: "ERR unknown command '%.128s', with args beginning with: " followed by up to 3 args as "'%.128s' "
  let list = "";
  for (let i = 0; i < args.length && list.length < 128; i++) list += `'${args[i]!.slice(0, 128 - list.length)}' `;
  return err(sanitize(`ERR unknown command '${trunc(name)}', with args beginning with: ${list}`));
}

export function unknownSubcommand(sub: string, cmd: string): ReplyError {
  return err(sanitize(`ERR unknown subcommand '${trunc(sub)}'. Try ${cmd.toUpperCase()} HELP.`));
}

export function wrongArity(name: string): ReplyError {
  return err(`ERR wrong number of arguments for '${name}' command`);
}

/** (P|S)UNSUBSCRIBE from a client with no subscription at all (Valkey 8's processCommand check). */
export function notSubscribed(name: string): ReplyError {
  return err(`NOSUB '${name}' command executed not in subscribed mode`);
}

export function unknownSubcommandOrWrongArity(cmd: string, sub: string): ReplyError {
  return err(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd.toUpperCase()} HELP.`);
}

export function errorText(text: string): ReplyError {
  return err(text);
}

function trunc(s: string): string {
  return s.length > 128 ? s.slice(0, 128) : s;
}

/** Valkey replaces newlines in error strings with spaces so the reply stays one line. */
export function sanitize(s: string): string {
  return s.replace(/[\r\n]/g, " ");
}

/** ACL texts (src/acl/, src/commands/acl.ts): Valkey's acl.c wording. */
export const ACL_TEXT = {
  // ACLSetUserStringError: the reason after "Error in ACL SETUSER modifier '...': "
  syntax: "Syntax error",
  unknownRule: "Unknown command or category name in ACL",
  afterAllKeys:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  afterAllChannels:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: "The password you are trying to remove from the user does not exist",
  badHash: "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
  firstArgOfSubcommand: "Allowing first-arg of a subcommand is not supported",
  badModifier: (op: string, why: string) => `Error in ACL SETUSER modifier '${op}': ${why}`,
  unmatchedParen: (op: string) => `Unmatched parenthesis in acl selector starting at '${op}'.`,
  // getAclErrorMessage
  noCommand: (user: string, cmd: string) => `User ${user} has no permissions to run the '${cmd}' command`,
  noAccess: (user: string, obj: string, what: "key" | "channel") => `User ${user} has no permissions to access the '${obj}' ${what}`,
  noAccessShort: (what: "key" | "channel") => `No permissions to access a ${what}`,
  execChanged: (why: string) =>
    `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${why}`,
  execWhy: {
    1: "no permission to execute the command or subcommand",
    2: "no permission to touch the specified keys",
    4: "no permission to access one of the channels used as arguments",
  } as Record<number, string>,
  inScript: (msg: string) => `ERR ACL failure in script: ${msg}`,
  // ACL LOAD (ACLLoadFromFile)
  loadOpen: (file: string, why: string) => `Error loading ACLs, opening file '${file}': ${why}`,
  loadNotUser: (where: string) => `${where} should start with user keyword followed by the username. `,
  loadBadName: (where: string, name: string) => `'${where}: username '${name}' contains invalid characters. `,
  loadDuplicate: (name: string, line: string) => `WARNING: Duplicate user '${name}' found on line ${line}. `,
  loadUnmatched: (where: string) => `${where}: Unmatched parenthesis in selector definition.`,
  loadUnknown: (where: string, op: string, why: string) => `${where}: Error in applying operation '${op}': ${why}. `,
  loadOther: (where: string, why: string) => `${where}: ${why}. `,
  loadAborted: "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
};

export const ACL_E = catalog({
  spacesInName: "ERR Usernames can't contain spaces or null characters",
  deleteDefault: "ERR The 'default' user cannot be removed",
  unknownCategory: (cat: string) => err(sanitize(`ERR Unknown category '${trunc(cat)}'`)),
  genpass: "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
  noUser: (name: string) => err(sanitize(`ERR User '${name}' not found`)),
  noCommand: (name: string) => err(sanitize(`ERR Command '${name}' not found`)),
  noAclFile: "ERR This instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a configuration file set) in order to store users in the configuration.",
  noSuchUser: (name: string) => err(sanitize(`ERR No such user '${name}'`)),
  sortOption: (opt: "BY" | "GET") => err(`ERR ${opt} option of SORT denied due to insufficient ACL permissions.`),
} as const);

/** A write refused because min-replicas-to-write asks for replicas this server never has (src/commands/replicas.ts). */
export const NOREPLICAS = err("NOREPLICAS Not enough good replicas to write.");

/** Texts of errors raised inside scripts and functions (script_lua.c, script.c, function_lua.c of Valkey 8.0). */
export const SCRIPT_ERR = {
  unknownCommand: "ERR Unknown command called from script",
  wrongArity: "ERR Wrong number of args calling command from script",
  noscript: "ERR This Redis command is not allowed from script",
  readOnlyWrite: "ERR Write commands are not allowed from read-only scripts.",
  globalRead: (name: string) => `Script attempted to access nonexistent global variable '${name}'`,
} as const;
// Cluster mode (src/cluster/, src/commands/cluster.ts): Valkey's texts, and ours for what is out of scope.
export const CE = catalog({
  crossSlot: "CROSSSLOT Keys in request don't hash to the same slot",
  tryAgain: "TRYAGAIN Multiple keys request during rehashing of slot",
  down: "CLUSTERDOWN The cluster is down",
  unbound: "CLUSTERDOWN Hash slot not served",
  moved: (slot: number, endpoint: string, port: number) => err(`MOVED ${slot} ${endpoint}:${port}`),
  ask: (slot: number, endpoint: string, port: number) => err(`ASK ${slot} ${endpoint}:${port}`),
  disabled: "ERR This instance has cluster support disabled",
  selectNotAllowed: "ERR SELECT is not allowed in cluster mode",
  moveNotAllowed: "ERR MOVE is not allowed in cluster mode",
  swapdbNotAllowed: "ERR SWAPDB is not allowed in cluster mode",
  copyDbNotAllowed: "ERR Copying to another database is not allowed in cluster mode",
  sortBy: "ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.",
  sortGet: "ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.",
  invalidSlot: "ERR Invalid slot",
  invalidSlotOrCount: "ERR Invalid slot or number of keys",
  slotOutOfRange: "ERR Invalid or out of range slot",
  slotBusy: (slot: number) => err(`ERR Slot ${slot} is already busy`),
  slotUnassigned: (slot: number) => err(`ERR Slot ${slot} is already unassigned`),
  slotSpecifiedTwice: (slot: number) => err(`ERR Slot ${slot} specified multiple times`),
  rangeOrder: (a: number, b: number) => err(`ERR start slot number ${a} is greater than end slot number ${b}`),
  statsRangeOrder: (a: number, b: number) => err(`ERR Start slot number ${a} is greater than end slot number ${b}`),
  statsMetric: "ERR Unrecognized sort metric for ORDERBY.",
  statsLimit: "ERR Limit has to lie in between 1 and 16384 (maximum number of slots).",
  statsFilterTwice: "ERR Multiple filters of the same type are disallowed.",
  unknownNode: (id: string) => err(sanitize(`ERR Unknown node ${id}`)),
  dontKnowNode: (id: string) => err(sanitize(`ERR I don't know about node ${id}`)),
  setslotSyntax: "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP",
  notOwnerMigrate: (slot: number) => err(`ERR I'm not the owner of hash slot ${slot}`),
  alreadyOwner: (slot: number) => err(`ERR I'm already the owner of hash slot ${slot}`),
  targetIsMe: "ERR Target node is myself",
  stillHoldKeys: (slot: number) =>
    err(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`),
  failoverOnPrimary: "ERR You should send CLUSTER FAILOVER to a replica",
  replicateMyself: "ERR Can't replicate myself",
  noReplicas: (what: string) =>
    err(`ERR ${what} is not supported: valkey-bun cluster mode has primaries only (no replicas, no failover)`),
  fixedTopology: (what: string) =>
    err(`ERR ${what} is not supported: valkey-bun cluster mode has a fixed set of nodes started together`),
  notPrimaryShard: "ERR Invalid node address specified",
  scriptCrossSlot: (cmd: string) => err(`ERR Command '${cmd}' in script attempted to access keys that don't hash to the same slot`),
  scriptDown: "ERR Script attempted to execute a command while the cluster is down",
  scriptNonLocal: "ERR Script attempted to access a non local key in a cluster node script",
} as const);
