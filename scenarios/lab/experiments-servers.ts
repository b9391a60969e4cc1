/**
 * Experiments of the first chapters: where sessions live, the load balancer, and what the
 * session manager does with time and keys.
 */
import { SessionClient } from '../conformance/client.ts';
import type { Experiment } from './experiment.ts';
import { logIn, nodeIndex, sleep, whoAmI } from './steps.ts';

const ENGINE_REDIS = { label: 'engine × redis, 2 nodes', cluster: { impl: 'engine' } } as const;

export const memory: Experiment = {
  name: 'memory',
  chapter: '01-where-sessions-live.md',
  title: 'sessions in process memory are not shared',
  guarantee: 'a session made on one node is known on every node',
  broken: {
    label: 'engine with sessions in process memory (flaw memory-store), 2 nodes',
    cluster: { flaws: ['memory-store'] },
  },
  fixed: ENGINE_REDIS,
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    let everywhere = true;
    for (const node of cluster.nodes)
      everywhere =
        (await whoAmI(client, node.url, say, `GET /me straight to ${node.id}`)) && everywhere;
    return everywhere;
  },
};

export const sticky: Experiment = {
  name: 'sticky',
  chapter: '02-load-balancer.md',
  title: 'sticky sessions hide unshared sessions until a node dies',
  guarantee: 'the user stays logged in when the node that served them dies',
  broken: {
    label: 'sessions in process memory behind sticky nginx (ip_hash), 2 nodes',
    cluster: { flaws: ['memory-store'], lb: 'ip-hash' },
  },
  fixed: {
    label: 'engine × redis behind the same sticky nginx, 2 nodes',
    cluster: { lb: 'ip-hash' },
  },
  async probe(cluster, say) {
    const client = new SessionClient();
    const login = await logIn(cluster, client, say);
    let stable = true;
    for (let i = 1; i <= 3; i++)
      stable = (await whoAmI(client, cluster.nginx.entry, say, `GET /me #${i}`)) && stable;
    const serving = nodeIndex(cluster, login.node);
    await cluster.fault('kill', 'node', serving);
    say(`killed node ${login.node}`);
    const after = await whoAmI(client, cluster.nginx.entry, say, 'GET /me after the kill');
    return stable && after;
  },
};

const IDLE_MS = 1500;

export const timeouts: Experiment = {
  name: 'timeouts',
  chapter: '03-session-manager.md',
  title: 'an idle session must end on every node',
  guarantee: `a session left idle for longer than idleTimeoutMs (${IDLE_MS} ms) is gone`,
  broken: {
    label: 'engine that ignores its idle timeout (flaw no-idle-timeout), 2 nodes',
    cluster: { flaws: ['no-idle-timeout'], idleTimeoutMs: IDLE_MS },
  },
  fixed: { label: 'engine × redis, 2 nodes', cluster: { idleTimeoutMs: IDLE_MS } },
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    const fresh = await whoAmI(client, cluster.nginx.entry, say, 'GET /me at once');
    await sleep(IDLE_MS + 700);
    say(`… idle for ${IDLE_MS + 700} ms`);
    const stale = await whoAmI(client, cluster.nginx.entry, say, 'GET /me after the idle time');
    return fresh && !stale;
  },
};

export const rotation: Experiment = {
  name: 'rotation',
  chapter: '03-session-manager.md',
  title: 'a signing-key rotation must not log everybody out',
  guarantee: 'a session signed under the old key still works after a rolling key rotation',
  broken: {
    label: 'engine where only the newest key verifies (flaw single-key), 1 node',
    cluster: { flaws: ['single-key'], nodes: 1 },
  },
  // One node: the rotation is two restarts instead of four, and the lesson is the same.
  fixed: { label: 'engine × redis with a signing keyring, 1 node', cluster: { nodes: 1 } },
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    const key = await cluster.rollingRestart();
    say(`rolling restart: every node now signs with ${key.id}`);
    return whoAmI(client, cluster.nginx.entry, say, 'GET /me with the cookie signed under k1');
  },
};
