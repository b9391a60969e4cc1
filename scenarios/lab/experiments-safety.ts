/**
 * Experiments of the later chapters: concurrent writes, a store outage, the cookie and login
 * rules, and what monitoring can see.
 */
import { SessionClient, send } from '../conformance/client.ts';
import type { Experiment } from './experiment.ts';
import { describeReply, idTag, logIn, whoAmI } from './steps.ts';

const INCREMENTS = 50;

export const lostUpdates: Experiment = {
  name: 'lost-updates',
  chapter: '04-concurrency.md',
  title: 'whole-session writes lose concurrent updates',
  guarantee: `${INCREMENTS} concurrent increments spread over the nodes all count`,
  broken: {
    label: 'express-session 1.x + connect-redis × redis, 2 nodes',
    cluster: { impl: 'express-session' },
  },
  fixed: { label: 'engine × redis (delta commits), 2 nodes', cluster: {} },
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    const nodes = cluster.nodes;
    const replies = await Promise.all(
      Array.from({ length: INCREMENTS }, (_, i) =>
        client.request(nodes[i % nodes.length]?.url ?? '', 'POST', '/session/counter/hits'),
      ),
    );
    const ok = replies.filter((r) => r.status === 200).length;
    say(
      `${INCREMENTS} concurrent POST /session/counter/hits, alternating ${nodes.map((n) => n.id).join(' / ')} → ${ok} × 200`,
    );
    const read = await client.request(cluster.nginx.entry, 'GET', '/session/data/hits');
    say(describeReply('GET /session/data/hits', read));
    return (read.body as { value?: unknown }).value === INCREMENTS;
  },
};

export const storeOutage: Experiment = {
  name: 'store-outage',
  chapter: '05-store-failure.md',
  title: 'a store outage must not log anybody out',
  guarantee: 'while the store is down requests get 503 within 2 s, and the session is back after',
  broken: {
    label: 'engine that treats a store error as "no session" (flaw fail-open), 2 nodes',
    cluster: { flaws: ['fail-open'] },
  },
  fixed: { label: 'engine × redis (fail closed, 1 s store deadline), 2 nodes', cluster: {} },
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    await cluster.fault('pause', 'store', 0);
    say('paused redis (SIGSTOP)');
    const started = Date.now();
    const during = await client.request(cluster.nginx.entry, 'GET', '/me', { timeoutMs: 5000 });
    const quick = Date.now() - started < 2000;
    say(`${describeReply('GET /me', during)}, ${quick ? 'within' : 'after more than'} 2 s`);
    const kept = client.cookie !== '';
    if (!kept) say('the browser lost its cookie: the user is logged out for good');
    await cluster.fault('resume', 'store', 0);
    say('resumed redis');
    const back = await whoAmI(client, cluster.nginx.entry, say, 'GET /me');
    return during.status === 503 && quick && kept && back;
  },
};

/** Attributes of a Set-Cookie line, the value left out. */
function attributesOf(line: string): string {
  const [pair = '', ...rest] = line.split(';').map((part) => part.trim());
  const name = pair.slice(0, pair.indexOf('='));
  const kept = rest.filter((a) => !/^(expires|max-age)=/i.test(a));
  return [`${name}=…`, ...kept].join('; ');
}

export const cookie: Experiment = {
  name: 'cookie',
  chapter: '06-security.md',
  title: 'the session cookie over HTTPS',
  guarantee: 'over HTTPS the cookie is __Host-, Secure, HttpOnly and SameSite',
  broken: {
    label: 'engine with flaws insecure-cookie, no-httponly, no-samesite (HTTPS entry)',
    cluster: { tls: true, flaws: ['insecure-cookie', 'no-httponly', 'no-samesite'] },
  },
  fixed: { label: 'engine × redis (HTTPS entry)', cluster: { tls: true } },
  async probe(cluster, say) {
    const client = new SessionClient();
    const reply = await logIn(cluster, client, say, cluster.nginx.entryTls);
    const line = reply.setCookie[0] ?? '';
    say(`Set-Cookie: ${attributesOf(line)}`);
    const has = (pattern: RegExp) => pattern.test(line);
    return (
      has(/^__Host-/) &&
      has(/;\s*Secure/i) &&
      has(/;\s*HttpOnly/i) &&
      has(/;\s*SameSite=(Lax|Strict)/i)
    );
  },
};

export const fixation: Experiment = {
  name: 'fixation',
  chapter: '06-security.md',
  title: 'login must change the session id',
  guarantee: 'the id held before login is dead after it (no session fixation)',
  broken: {
    label: 'engine that keeps the pre-login id (flaw no-rotate), 2 nodes',
    cluster: { flaws: ['no-rotate'] },
  },
  fixed: { label: 'engine × redis, 2 nodes', cluster: {} },
  async probe(cluster, say) {
    const victim = new SessionClient();
    const planted = await victim.request(cluster.nginx.entry, 'PUT', '/session/data/lang', {
      body: { value: 'en' },
    });
    const before = victim.cookie;
    say(
      `anonymous PUT /session/data/lang → ${planted.status}, id ${idTag(before)} (the attacker knows this one)`,
    );
    await logIn(cluster, victim, say);
    say(`after login the id is ${idTag(victim.cookie)}`);
    // The attacker planted (or read) the pre-login cookie and keeps sending it.
    const attacker = new SessionClient();
    const eq = before.indexOf('=');
    attacker.set(before.slice(0, eq), before.slice(eq + 1));
    const hijacked = await whoAmI(attacker, cluster.nginx.entry, say, 'attacker: GET /me, old id');
    return !hijacked && idTag(before) !== idTag(victim.cookie);
  },
};

/** Sum of `sessionlab_session_events_total{type="…"}` over every node's /metrics. */
async function eventCount(urls: readonly string[], type: string): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const text = (await send(`${url}/metrics`, 'GET')).text;
    const prefix = `sessionlab_session_events_total{type="${type}"`;
    const line = text.split('\n').find((l) => l.startsWith(prefix));
    total += Number(line?.split(' ').at(-1) ?? 0);
  }
  return total;
}

const TAMPERED = 3;

export const monitoring: Experiment = {
  name: 'monitoring',
  chapter: '07-monitoring.md',
  title: 'tampered cookies must show up in monitoring',
  guarantee: `${TAMPERED} requests with a forged cookie signature count as tamper-rejected events`,
  broken: {
    label: 'express-session 1.x + connect-redis × redis, 2 nodes',
    cluster: { impl: 'express-session' },
  },
  fixed: { label: 'engine × redis, 2 nodes', cluster: {} },
  async probe(cluster, say) {
    const client = new SessionClient();
    await logIn(cluster, client, say);
    const forged = `${client.cookie.slice(0, -2)}${client.cookie.endsWith('AA') ? 'BB' : 'AA'}`;
    const urls = cluster.nodes.map((n) => n.url);
    for (let i = 0; i < TAMPERED; i++) {
      const reply = await client.request(cluster.nginx.entry, 'GET', '/me', { cookie: forged });
      say(describeReply(`GET /me with a forged signature #${i + 1}`, reply));
    }
    const seen = await eventCount(urls, 'tamper-rejected');
    say(`sessionlab_session_events_total{type="tamper-rejected"} summed over the nodes: ${seen}`);
    return seen >= TAMPERED;
  },
};
