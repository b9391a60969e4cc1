/**
 * The fault "failover" of a replicated redis (Sentinel, or Cluster with replicas): every primary
 * is killed, a replica takes over (SENTINEL FAILOVER; CLUSTER FAILOVER TAKEOVER), and the old
 * primaries come back as replicas of the new ones. It resolves once the new topology serves:
 * each new primary is named (by every sentinel) or owns its slots, and has a replica in sync.
 *
 * `isolateReplicas()` before it makes the failover lose writes deterministically, as an
 * asynchronous replica that lags does: the replicas are stopped (SIGSTOP) and their links
 * closed (CLIENT KILL TYPE replica), so every write from then on reaches the primaries only, and
 * the replicas promoted after the primaries die never saw it.
 */
import type { ManagedProcess } from './process.ts';
import { waitFor } from './ports.ts';
import { runRedisCli, sentinelView, waitForReplicasInSync } from './services.ts';
import type { RedisCluster, RedisSentinel, RedisServer } from './services.ts';

const HOST = '127.0.0.1';
/** Bound of every wait of a failover, in milliseconds. */
const FAILOVER_WAIT_MS = 45_000;
/** Twice the sentinels' failover-timeout (5 s), and a little more. */
const NATURAL_FAILOVER_GRACE_MS = 12_000;

export interface FailoverReport {
  /** From the first kill until the new topology serves, in milliseconds. */
  ms: number;
  /** The replicas had been isolated: the writes since then are gone. */
  lossy: boolean;
  /** `host:port` of each primary after the failover. */
  primaries: string[];
}

export interface FailoverControl {
  /** Cuts every replica off its primary until the next `failover()`. */
  isolateReplicas(): Promise<void>;
  failover(): Promise<FailoverReport>;
}

interface Roles {
  primaries: RedisServer[];
  /** Each replica with the port of its primary. */
  replicas: { server: RedisServer; of: number }[];
}

/** The role each running server reports now. */
async function rolesOf(servers: readonly RedisServer[]): Promise<Roles> {
  const roles: Roles = { primaries: [], replicas: [] };
  for (const server of servers) {
    if (!server.process.running) continue;
    const info = await runRedisCli(server.port, ['info', 'replication']);
    const of = /^master_port:(\d+)\r?$/m.exec(info)?.[1];
    if (/^role:master\r?$/m.test(info)) roles.primaries.push(server);
    else if (of !== undefined) roles.replicas.push({ server, of: Number(of) });
  }
  return roles;
}

/**
 * Stops the replicas, then closes their links on each primary: nothing reaches them now. The
 * roles are read first, as stopped replicas cannot answer.
 */
async function isolate(servers: readonly RedisServer[], paused: ManagedProcess[]): Promise<Roles> {
  const roles = await rolesOf(servers);
  for (const { server } of roles.replicas) {
    server.process.pause();
    paused.push(server.process);
  }
  for (const primary of roles.primaries)
    await runRedisCli(primary.port, ['client', 'kill', 'type', 'replica']);
  return roles;
}

async function isRole(port: number, role: 'master' | 'slave'): Promise<boolean> {
  const info = await runRedisCli(port, ['info', 'replication']).catch(() => '');
  return new RegExp(`^role:${role}\\r?$`, 'm').test(info);
}

/** Sentinel: kill the primary, force a failover, bring the old primary back as a replica. */
export function sentinelFailover(group: RedisSentinel): FailoverControl {
  const servers = [group.master, ...group.replicas];
  const paused: ManagedProcess[] = [];
  const [first] = group.sentinels;
  if (first === undefined) throw new RangeError('a sentinel group needs a sentinel');
  return {
    isolateReplicas: async () => void (await isolate(servers, paused)),
    async failover() {
      const started = Date.now();
      const lossy = paused.length > 0;
      const before = (await sentinelView(first.port)).master;
      const old = servers.find((s) => s.port === before);
      if (old === undefined) throw new Error(`no running primary named by the sentinels`);
      await old.process.kill();
      for (const process of paused.splice(0)) process.resume();
      let primary: number | undefined;
      let forced = false;
      await waitFor(
        async () => {
          const named = await runRedisCli(first.port, [
            'sentinel',
            'get-master-addr-by-name',
            group.name,
          ]);
          // The sentinels fail over by themselves (down-after 1 s, a vote). Forcing it at once
          // raced that vote: one sentinel promoted one replica and the other two another, in
          // the same epoch, and they never agreed (seen in make test). So force only when no
          // sentinel has started after NATURAL_FAILOVER_GRACE_MS (each waits twice the
          // failover-timeout after a failover it took part in). Once only: a second one would
          // fail over the new primary too.
          const waited = Date.now() - started >= NATURAL_FAILOVER_GRACE_MS;
          if (!forced && waited && named === `${HOST}\n${before}\n`) {
            const reply = await runRedisCli(first.port, ['sentinel', 'failover', group.name]);
            forced = reply.trim() === 'OK';
          }
          const views = await Promise.all(group.sentinels.map((s) => sentinelView(s.port)));
          primary = views[0]?.master;
          const agreed = views.every((v) => v.master === primary && primary !== before);
          return agreed && primary !== undefined && (await isRole(primary, 'master'));
        },
        {
          what: `sentinels naming a new primary for ${HOST}:${before}`,
          timeoutMs: FAILOVER_WAIT_MS,
          intervalMs: 200,
        },
      );
      const now = String(primary);
      const others = servers.filter((s) => s.port !== primary);
      // What the sentinels do, at once: every other replica, then the old primary (back from
      // its append-only file), follows the new primary, so none follows the old one meanwhile.
      for (const replica of others.filter((s) => s !== old))
        await runRedisCli(replica.port, ['replicaof', HOST, now]);
      await old.process.start();
      await runRedisCli(old.port, ['replicaof', HOST, now]);
      await waitFor(
        async () => {
          const infos = await Promise.all(
            others.map((s) => runRedisCli(s.port, ['info', 'replication'])),
          );
          return infos.every(
            (info) =>
              info.includes(`master_port:${now}`) && /^master_link_status:up\r?$/m.test(info),
          );
        },
        { what: `replicas in sync with ${HOST}:${now}`, timeoutMs: FAILOVER_WAIT_MS },
      );
      return { ms: Date.now() - started, lossy, primaries: [`${HOST}:${now}`] };
    },
  };
}

/** Cluster: kill every master, each replica takes over its slots, old masters rejoin as replicas. */
export function clusterFailover(cluster: RedisCluster): FailoverControl {
  const paused: ManagedProcess[] = [];
  let isolatedRoles: Roles | undefined;
  return {
    async isolateReplicas() {
      isolatedRoles = await isolate(cluster.servers, paused);
    },
    async failover() {
      const started = Date.now();
      const lossy = paused.length > 0;
      const roles = isolatedRoles ?? (await rolesOf(cluster.servers));
      isolatedRoles = undefined;
      const heirs = roles.primaries.map((primary) => {
        const heir = roles.replicas.find((r) => r.of === primary.port)?.server;
        if (heir === undefined) throw new Error(`primary ${HOST}:${primary.port} has no replica`);
        return heir;
      });
      await Promise.all(roles.primaries.map((p) => p.process.kill()));
      for (const process of paused.splice(0)) process.resume();
      // TAKEOVER: no agreement of the (dead) masters needed, the replica claims the slots.
      for (const heir of heirs) await runRedisCli(heir.port, ['cluster', 'failover', 'takeover']);
      const serving = async (port: number): Promise<boolean> =>
        (await isRole(port, 'master')) &&
        (await runRedisCli(port, ['cluster', 'info']).catch(() => '')).includes('cluster_state:ok');
      const waitServing = (what: string): Promise<void> =>
        waitFor(async () => (await Promise.all(heirs.map((h) => serving(h.port)))).every(Boolean), {
          what,
          timeoutMs: FAILOVER_WAIT_MS,
          intervalMs: 100,
        });
      await waitServing('replicas taking over the slots of the killed masters');
      // With a higher epoch on every slot they owned, the old masters rejoin as replicas.
      for (const old of roles.primaries) await old.process.start();
      await waitFor(
        async () =>
          (await Promise.all(roles.primaries.map((p) => isRole(p.port, 'slave')))).every(Boolean),
        {
          what: 'the old masters rejoining as replicas',
          timeoutMs: FAILOVER_WAIT_MS,
          intervalMs: 100,
        },
      );
      await waitForReplicasInSync(roles.primaries);
      await waitServing('the new masters serving with their replicas');
      return { ms: Date.now() - started, lossy, primaries: heirs.map((h) => `${HOST}:${h.port}`) };
    },
  };
}
