import t from 'tap';
import { createStoreFromUrl, formatStoreUrl, parseStoreUrl } from '../../stores/from-url.ts';
import { redactUrl } from '../../core/redact.ts';

t.test('store urls name the kind and every host', async (t) => {
  t.same(parseStoreUrl('redis://127.0.0.1:6379'), {
    kind: 'redis',
    hosts: [{ host: '127.0.0.1', port: 6379 }],
  });
  t.same(parseStoreUrl('memcached://127.0.0.1:1,127.0.0.1:2').hosts, [
    { host: '127.0.0.1', port: 1 },
    { host: '127.0.0.1', port: 2 },
  ]);
  t.same(parseStoreUrl('redis-sentinel://127.0.0.1:26379'), {
    kind: 'redis-sentinel',
    hosts: [{ host: '127.0.0.1', port: 26379 }],
    name: 'mymaster',
  });
  t.same(parseStoreUrl('memory://'), { kind: 'memory', hosts: [] });
  t.same(parseStoreUrl('redis://[::1]:6379').hosts, [{ host: '::1', port: 6379 }]);
  for (const url of [
    'redis-cluster://a:1,b:2',
    'redis-sentinel://a:1/other',
    'memcached://a:1',
    'redis://[::1]:6379',
  ]) {
    t.equal(formatStoreUrl(parseStoreUrl(url)), url);
  }
});

t.test('bad store urls throw naming what is allowed', async (t) => {
  t.throws(() => parseStoreUrl('mongo://x:1'), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message:
      'invalid store "mongo://x:1": expected redis:// | redis-cluster:// | redis-sentinel:// | memcached:// | memory:// | postgres://',
  });
  t.throws(() => parseStoreUrl('redis://localhost'), { message: /"localhost" is not host:port/ });
  t.throws(() => parseStoreUrl('redis://a:1,b:2'), { message: /redis:\/\/ takes one host:port/ });
  t.throws(() => parseStoreUrl('memcached://a:99999'), { message: /is not host:port/ });
});

t.test('each kind makes its store', async (t) => {
  const kinds = [
    'redis://127.0.0.1:1',
    'redis-cluster://127.0.0.1:1',
    'redis-sentinel://127.0.0.1:1',
    'memcached://127.0.0.1:1',
    'memory://',
    'postgres://u:p@127.0.0.1:1/db',
  ];
  const stores = kinds.map((url) => createStoreFromUrl(url));
  t.same(
    stores.map((s) => s.kind),
    ['redis', 'redis-cluster', 'redis-sentinel', 'memcached', 'memory', 'postgres'],
  );
  await Promise.all(stores.map((s) => s.close()));
});

t.test('a postgres url keeps its credentials and database, and redacts the password', async (t) => {
  const url = 'postgres://sessionlab:s3cret@127.0.0.1:5433/postgres';
  t.same(parseStoreUrl(url), { kind: 'postgres', hosts: [{ host: '127.0.0.1', port: 5433 }], url });
  t.equal(formatStoreUrl(parseStoreUrl(url)), url);
  t.equal(redactUrl(url), 'postgres://sessionlab:***@127.0.0.1:5433/postgres');
  t.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  t.throws(() => parseStoreUrl('postgres://u:s3cret@127.0.0.1:5433'), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message:
      'invalid store "postgres://u:***@127.0.0.1:5433": expected postgres://user:password@host:port/database',
  });
});

t.test('credentials and TLS are part of the url, percent-decoded', async (t) => {
  t.same(parseStoreUrl('redis://app:p%40ss%3Aw@127.0.0.1:6379'), {
    kind: 'redis',
    hosts: [{ host: '127.0.0.1', port: 6379 }],
    username: 'app',
    password: 'p@ss:w',
  });
  t.same(parseStoreUrl('redis://:pw@h:1'), {
    kind: 'redis',
    hosts: [{ host: 'h', port: 1 }],
    password: 'pw',
  });
  t.same(parseStoreUrl('rediss-sentinel://u:pw@a:1,b:2/main'), {
    kind: 'redis-sentinel',
    hosts: [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ],
    name: 'main',
    username: 'u',
    password: 'pw',
    tls: true,
  });
  t.equal(parseStoreUrl('rediss-cluster://:pw@a:1,b:2').kind, 'redis-cluster');
  for (const url of ['rediss://app:p%40ss@h:1', 'redis-cluster://:pw@a:1,b:2', 'rediss://h:1']) {
    t.equal(formatStoreUrl(parseStoreUrl(url)), url);
  }
});

t.test('a bad url with a password never shows the password', async (t) => {
  for (const url of ['redis://app:s3cret@localhost', 'mongo://app:s3cret@h:1']) {
    t.throws(() => parseStoreUrl(url), { message: /app:\*\*\*@/ });
    let message = '';
    try {
      parseStoreUrl(url);
    } catch (error) {
      message = (error as Error).message;
    }
    t.match(message, 'invalid store');
    t.notMatch(message, 's3cret');
  }
  t.throws(() => parseStoreUrl('memcached://u:s3cret@h:1'), {
    message:
      'invalid store "memcached://u:***@h:1": memcached:// takes no credentials (the memcached client speaks no authentication; keep memcached on a private network)',
  });
  t.throws(() => parseStoreUrl('redis://a:%zz@h:1'), { message: /must be percent-encoded/ });
});
