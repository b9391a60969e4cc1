/**
 * scenarios/bench/store-ops.ts: redis commandstats and memcached stats → operations per request.
 */
import t from 'tap';
import {
  opsPerRequest,
  parseCommandStats,
  parseMemcachedStats,
} from '../../../scenarios/bench/store-ops.ts';

t.test('redis commandstats and memcached stats become operations per request', async (t) => {
  const before = parseCommandStats(
    '# Commandstats\r\ncmdstat_hgetall:calls=10,usec=50,usec_per_call=5.00\r\ncmdstat_info:calls=1,usec=9\r\n',
  );
  t.same(before, { hgetall: 10, info: 1 });
  const after = parseCommandStats(
    'cmdstat_hgetall:calls=30,usec=1\r\ncmdstat_pttl:calls=20,usec=1\r\ncmdstat_info:calls=2,usec=1\r\ncmdstat_cluster|slots:calls=4,usec=1\r\n',
  );
  t.same(
    opsPerRequest(before, after, 20),
    { hgetall: 1, pttl: 1 },
    'our INFO and topology refreshes are left out',
  );
  const stats = parseMemcachedStats(
    'STAT pid 1\r\nSTAT cmd_get 7\r\nSTAT cmd_set 5\r\nSTAT cmd_touch 0\r\nSTAT cas_hits 2\r\nSTAT cas_badval 1\r\nSTAT delete_hits 1\r\nEND\r\n',
  );
  t.same(stats, { get: 7, set: 2, cas: 3, touch: 0, delete: 1, incr: 0, decr: 0 });
  t.same(opsPerRequest({ get: 1 }, { get: 4, set: 1 }, 3), { get: 1, set: 0.33 });
});
