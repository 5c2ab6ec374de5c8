// One shard's view of the cluster: every node (id, shard id, address, config epoch), which node owns each of the
// 16384 slots, the slots this node is migrating or importing, and the epochs. The parent process (launcher.ts)
// relays the messages a cluster bus would carry: slot claims with their epoch, and PUBLISH.
// Replicas, failover and nodes.conf are out of scope: every node is a primary and forgets the topology on exit.

import { SLOTS, slotRanges } from "./slots.js";

export interface ClusterNode {
  id: string;
  shardId: string;
  /** The address clients are told (cluster-announce-ip, else the bind address; 0.0.0.0 reports 127.0.0.1). */
  ip: string;
  /** cluster-announce-hostname ("" when unset). */
  hostname: string;
  port: number;
  /** Cluster bus port as Valkey reports it (port + 10000); this implementation's bus is its parent process. */
  cport: number;
  configEpoch: number;
}

/** What shards tell each other through the parent (Valkey's cluster bus messages, reduced to what we need). */
export type BusMessage =
  /** `owner` claims `slots` with `configEpoch` (gossip of a slot bitmap after ADDSLOTS / SETSLOT NODE). */
  | { t: "claim"; owner: string; slots: number[]; configEpoch: number; currentEpoch: number }
  /** PUBLISH reaches subscribers on every shard. */
  | { t: "publish"; channel: Uint8Array; message: Uint8Array };

export type EndpointType = "ip" | "hostname" | "unknown-endpoint";

export class ClusterState {
  readonly nodes: ClusterNode[];
  readonly me: ClusterNode;
  /** Slot -> owning node (null = unassigned). Change it with setOwner() (keeps the served-slot count). */
  readonly owner: Array<ClusterNode | null> = new Array<ClusterNode | null>(SLOTS).fill(null);
  /** Slots with an owner: the gate reads cluster_state on every keyed command, so it is kept, not counted. */
  private served = 0;
  readonly migrating = new Map<number, ClusterNode>();
  readonly importing = new Map<number, ClusterNode>();
  /**
   * Keys a MIGRATE is sending right now. Valkey blocks the whole server during MIGRATE; here only its caller waits,
   * so a command on one of these keys meanwhile gets TRYAGAIN (clients retry) instead of changing a value that
   * is already on its way to the target (it would then exist on both nodes, and redis-cli's reshard stops).
   */
  readonly moving = new Set<string>();
  currentEpoch: number;
  messagesSent = 0;
  messagesReceived = 0;
  /** Wall-clock ms of the last message from each node (CLUSTER NODES pong-recv). */
  readonly createdAt = Date.now();
  /** Called after slots change owner here (the shard redirects clients blocked on keys it no longer serves). */
  onTopologyChange: () => void = () => {};

  /** cluster-preferred-endpoint-type, read live (CONFIG SET applies at once, as in Valkey). */
  preferredEndpoint: () => EndpointType = () => "ip";

  get endpointType(): EndpointType {
    return this.preferredEndpoint();
  }

  constructor(
    nodes: ClusterNode[],
    myId: string,
    owners: Array<{ id: string; ranges: Array<[number, number]> }>,
    currentEpoch: number,
    /** Hands a message to the parent, which relays it to every other shard. */
    private readonly send: (m: BusMessage) => void,
  ) {
    this.nodes = nodes;
    this.me = nodes.find((n) => n.id === myId)!;
    this.currentEpoch = currentEpoch;
    for (const o of owners) {
      const n = this.byId(o.id)!;
      for (const [a, b] of o.ranges) for (let s = a; s <= b; s++) this.setOwner(s, n);
    }
  }

  byId(id: string): ClusterNode | undefined {
    for (const n of this.nodes) if (n.id === id) return n;
    return undefined;
  }

  /** Valkey looks node names up case-insensitively (they are hex). */
  lookup(name: string): ClusterNode | undefined {
    return this.byId(name.toLowerCase());
  }

  /** The endpoint clients are sent to by MOVED/ASK and CLUSTER SLOTS (cluster-preferred-endpoint-type). */
  endpoint(n: ClusterNode): string {
    if (this.endpointType === "hostname") return n.hostname !== "" ? n.hostname : "?";
    if (this.endpointType === "unknown-endpoint") return "?";
    return n.ip;
  }

  slotsOf(n: ClusterNode): number[] {
    const out: number[] = [];
    for (let s = 0; s < SLOTS; s++) if (this.owner[s] === n) out.push(s);
    return out;
  }

  setOwner(slot: number, n: ClusterNode | null): void {
    const was = this.owner[slot] ?? null;
    if (was === null && n !== null) this.served++;
    else if (was !== null && n === null) this.served--;
    this.owner[slot] = n;
  }

  assigned(): number {
    return this.served;
  }

  /** cluster_state: ok when every slot is served (cluster-require-full-coverage yes, Valkey's default). */
  get ok(): boolean {
    return this.served === SLOTS;
  }

  /** Nodes that serve at least one slot (cluster_size). */
  size(): number {
    const owners = new Set<ClusterNode>();
    for (let s = 0; s < SLOTS; s++) if (this.owner[s] !== null) owners.add(this.owner[s]!);
    return owners.size;
  }

  /** Tell the other shards that I own these slots (as my next ping's slot bitmap would). */
  announce(slots: number[]): void {
    if (slots.length === 0) return;
    this.messagesSent++;
    this.send({ t: "claim", owner: this.me.id, slots, configEpoch: this.me.configEpoch, currentEpoch: this.currentEpoch });
  }

  publish(channel: Uint8Array, message: Uint8Array): void {
    this.messagesSent++;
    this.send({ t: "publish", channel, message });
  }

  /**
   * A node claims slots (clusterUpdateSlotsConfigWith): a claim with a config epoch at least as new as the
   * current owner's wins. A slot this node was migrating stops migrating once it belongs to someone else;
   * a slot it is importing is not taken from it by gossip (it waits for SETSLOT NODE), as in Valkey.
   */
  applyClaim(m: Extract<BusMessage, { t: "claim" }>): void {
    this.messagesReceived++;
    const n = this.byId(m.owner);
    if (n === undefined) return;
    if (m.configEpoch > n.configEpoch) n.configEpoch = m.configEpoch;
    if (m.currentEpoch > this.currentEpoch) this.currentEpoch = m.currentEpoch;
    for (const s of m.slots) {
      const cur = this.owner[s] ?? null;
      if (cur === n) continue;
      if (cur !== null && cur.configEpoch >= m.configEpoch) continue;
      // A node importing a slot keeps serving it with ASKING until it is told SETSLOT NODE itself.
      if (this.importing.has(s) && n !== this.me) continue;
      this.setOwner(s, n);
      if (this.migrating.get(s) === n) this.migrating.delete(s);
    }
    this.onTopologyChange();
  }

  /** clusterBumpConfigEpochWithoutConsensus: a new config epoch for this node when it has not the highest. */
  bumpEpoch(): boolean {
    const max = Math.max(...this.nodes.map((x) => x.configEpoch));
    if (this.me.configEpoch === 0 || this.me.configEpoch !== max || this.nodes.some((x) => x !== this.me && x.configEpoch === max)) {
      this.currentEpoch++;
      this.me.configEpoch = this.currentEpoch;
      return true;
    }
    return false;
  }

  /** One CLUSTER NODES line per node, myself flagged; open slots shown on my own line as Valkey does. */
  nodesText(): string {
    let out = "";
    for (const n of this.nodes) {
      const mine = n === this.me;
      const addr = `${n.ip}:${n.port}@${n.cport}${n.hostname !== "" ? `,${n.hostname}` : ""}`;
      const flags = mine ? "myself,master" : "master";
      const pong = mine ? 0 : Date.now();
      let line = `${n.id} ${addr} ${flags} - 0 ${pong} ${n.configEpoch} connected`;
      for (const [a, b] of slotRanges(this.slotsOf(n))) line += a === b ? ` ${a}` : ` ${a}-${b}`;
      if (mine) {
        for (const [s, to] of [...this.migrating].sort((x, y) => x[0] - y[0])) line += ` [${s}->-${to.id}]`;
        for (const [s, from] of [...this.importing].sort((x, y) => x[0] - y[0])) line += ` [${s}-<-${from.id}]`;
      }
      out += line + "\n";
    }
    return out;
  }

  /** CLUSTER INFO text. Message counters count what went through the parent (this cluster's bus). */
  infoText(): string {
    const ok = this.ok;
    const assigned = this.assigned();
    return (
      [
        `cluster_state:${ok ? "ok" : "fail"}`,
        `cluster_slots_assigned:${assigned}`,
        `cluster_slots_ok:${assigned}`,
        "cluster_slots_pfail:0",
        "cluster_slots_fail:0",
        `cluster_known_nodes:${this.nodes.length}`,
        `cluster_size:${this.size()}`,
        `cluster_current_epoch:${this.currentEpoch}`,
        `cluster_my_epoch:${this.me.configEpoch}`,
        `cluster_stats_messages_sent:${this.messagesSent}`,
        `cluster_stats_messages_received:${this.messagesReceived}`,
        "total_cluster_links_buffer_limit_exceeded:0",
      ].join("\r\n") + "\r\n"
    );
  }
}
