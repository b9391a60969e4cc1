/**
 * The few moves every lab probe makes — log in, ask who I am, read a counter — each one
 * answering with a line to quote, so the output reads as a transcript.
 */
import type { LocalCluster } from '../../orchestrator/cluster.ts';
import type { Reply, SessionClient } from '../conformance/client.ts';
import { hashId, sessionIdOf } from './lab-record.ts';

export const LAB_USER = 'alice';

/** A short hash of the session id in a `name=value` cookie: ids are never printed. */
export function idTag(cookie: string): string {
  const id = sessionIdOf(cookie.slice(cookie.indexOf('=') + 1).split(';')[0] ?? '');
  return id === '' ? '(none)' : hashId(id);
}

export function describeReply(what: string, reply: Reply): string {
  // createdAt changes on every run: leaving it out keeps the quoted output stable.
  const shown = { ...(reply.body as Record<string, unknown>) };
  delete shown.createdAt;
  const body = reply.status === 204 || reply.body === undefined ? '' : ` ${JSON.stringify(shown)}`;
  return `${what} → ${reply.status}${body} (node ${reply.node ?? 'none: load balancer'})`;
}

export async function logIn(
  cluster: LocalCluster,
  client: SessionClient,
  say: (line: string) => void,
  base = cluster.nginx.entry,
): Promise<Reply> {
  const reply = await client.request(base, 'POST', '/login', {
    body: { user: LAB_USER, password: cluster.password },
  });
  say(describeReply(`POST /login as ${LAB_USER}`, reply));
  return reply;
}

/** GET /me at `base`; true when it still says alice. */
export async function whoAmI(
  client: SessionClient,
  base: string,
  say: (line: string) => void,
  what = 'GET /me',
): Promise<boolean> {
  const reply = await client.request(base, 'GET', '/me', { timeoutMs: 5000 });
  say(describeReply(what, reply));
  return reply.status === 200 && (reply.body as { user?: string }).user === LAB_USER;
}

/** The index of the node whose id is `nodeId` (`n2` → 1). */
export function nodeIndex(cluster: LocalCluster, nodeId: string | undefined): number {
  const index = cluster.nodes.findIndex((node) => node.id === nodeId);
  if (index < 0) throw new Error(`no node answered as "${nodeId}"`);
  return index;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
