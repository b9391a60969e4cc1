/**
 * The redis store reaches a password-protected redis (requirepass, an ACL user) and its TLS
 * port, from a store URL; a wrong or missing password fails closed, and no error shows it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../../orchestrator/ports.ts';
import { runRedisCli } from '../../orchestrator/services.ts';
import { generateSelfSignedCert } from '../../orchestrator/tls.ts';
import { createStoreFromUrl } from '../../stores/from-url.ts';
import type { CreateStoreOptions } from '../../stores/from-url.ts';
import { createRedisStore } from '../../stores/redis.ts';
import { redisFor } from '../helpers/services.ts';

const certDir = await mkdtemp(join(tmpdir(), 'sessionlab-redis-tls-'));
t.teardown(() => rm(certDir, { recursive: true, force: true }));
const { certFile, keyFile } = await generateSelfSignedCert(certDir);
const ca = await readFile(certFile);
const tlsPort = await freePort();
const redis = await redisFor(t, {
  extraArgs: [
    ...['--tls-port', String(tlsPort), '--tls-cert-file', certFile, '--tls-key-file', keyFile],
    ...['--tls-ca-cert-file', certFile, '--tls-auth-clients', 'no'],
  ],
});
await runRedisCli(redis.port, ['ACL', 'SETUSER', 'app', 'on', '>app-pw', '~*', '+@all']);
await runRedisCli(redis.port, ['CONFIG', 'SET', 'requirepass', 'root-pw']);
const at = `127.0.0.1:${redis.port}`;

async function roundTrip(url: string, options: CreateStoreOptions = {}): Promise<string | null> {
  const store = createStoreFromUrl(url, { timeoutMs: 1000, ...options });
  try {
    await store.connect();
    const id = `auth-${Math.random().toString(36).slice(2)}`;
    await store.create(id, { 'd:k': '"v"' }, 10_000);
    return (await store.load(id))?.fields['d:k'] ?? null;
  } finally {
    await store.close();
  }
}

async function connectError(url: string, options: CreateStoreOptions = {}): Promise<Error> {
  const store = createStoreFromUrl(url, { timeoutMs: 500, ...options });
  try {
    await store.connect();
  } catch (error) {
    return error as Error;
  } finally {
    await store.close();
  }
  throw new Error(`connect to ${url} succeeded`);
}

t.test('requirepass and an ACL user are reached from the url', async (t) => {
  t.equal(await roundTrip(`redis://:root-pw@${at}`), '"v"', 'the default user by requirepass');
  t.equal(await roundTrip(`redis://app:app-pw@${at}`), '"v"', 'an ACL user');
  t.equal(await roundTrip(`redis://app:app%2Dpw@${at}`), '"v"', 'percent-encoded');
});

t.test('a missing or wrong password fails closed and is never shown', async (t) => {
  for (const url of [`redis://${at}`, `redis://app:wrong-pw@${at}`, `redis://:wrong-pw@${at}`]) {
    const error = await connectError(url);
    t.match(error, { code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE' }, url.replace(/:[^:@]*@/, ':***@'));
    t.notMatch(error.message, 'wrong-pw');
  }
  const store = createRedisStore({ url: 'redis://:s3cret@127.0.0.1:1', timeoutMs: 300 });
  const error = await store.connect().then(
    () => new Error('connected'),
    (e: unknown) => e as Error,
  );
  await store.close();
  t.match(error, { code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE', message: /redis:\/\/:\*\*\*@/ });
  t.notMatch(error.message, 's3cret');
});

t.test('rediss:// speaks TLS and verifies the certificate', async (t) => {
  const url = `rediss://app:app-pw@127.0.0.1:${tlsPort}`;
  t.equal(await roundTrip(url, { tls: { ca } }), '"v"', 'trusted certificate');
  t.match(await connectError(url), { code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE' }, 'untrusted');
  t.match(
    await connectError(`redis://app:app-pw@127.0.0.1:${tlsPort}`),
    { code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE' },
    'plain TCP to the TLS port',
  );
});
