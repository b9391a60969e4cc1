/**
 * scenarios/bench/plan.ts: options are checked and defaulted, and the fixed and custom matrices
 * select exactly the planned target × workload × path.
 */
import t from 'tap';
import { InvalidOptionError } from '../../../core/errors.ts';
import {
  estimateSeconds,
  planMeasurements,
  resolveBenchOptions,
} from '../../../scenarios/bench/plan.ts';
import { BENCH_RATIOS, RATIO_NAMES } from '../../../core/results.ts';
import type { BenchOptionsInput } from '../../../scenarios/bench/plan.ts';

const plan = (input: BenchOptionsInput): string[] =>
  planMeasurements(resolveBenchOptions(input)).map(
    (m) => `${m.target.name} ${m.workload} ${m.path}`,
  );

t.test('defaults: 3 runs of 5 s; quick: 1 run of 2 s; sessions follow connections', async (t) => {
  const full = resolveBenchOptions({});
  t.match(full, {
    quick: false,
    reps: 3,
    durationSec: 5,
    warmupSec: 0.5,
    connections: 50,
    sessions: 50,
  });
  t.same(full.stores, ['redis', 'memcached']);
  t.match(resolveBenchOptions({ quick: true }), { reps: 1, durationSec: 2, warmupSec: 0.5 });
  t.match(resolveBenchOptions({ quick: true, reps: 2, connections: 8 }), { reps: 2, sessions: 8 });
});

t.test(
  'the quick matrix reads every target direct and the session targets through nginx',
  async (t) => {
    t.same(plan({ quick: true }), [
      'engine-redis read direct',
      'engine-redis read nginx',
      'express-session-redis read direct',
      'express-session-redis read nginx',
      'engine-memcached read direct',
      'express-session-memcached read direct',
      'express-nosession read direct',
      'engine-http-redis read direct',
      'engine-http-memcached read direct',
      'raw-ioredis-get read direct',
      'raw-memcached-get read direct',
      'static-http read direct',
    ]);
  },
);

t.test(
  'the standard matrix is every side of every ratio, the load ceiling, and nginx reads',
  async (t) => {
    t.same(plan({}), [
      'engine-redis read direct',
      'engine-redis read nginx',
      'engine-redis write direct',
      'engine-redis mixed direct',
      'engine-redis login-churn direct',
      'express-session-redis read direct',
      'express-session-redis read nginx',
      'express-session-redis write direct',
      'express-session-redis mixed direct',
      'express-session-redis login-churn direct',
      'express-nosession read direct',
      'engine-http-redis read direct',
      'engine-http-memcached read direct',
      'raw-ioredis-get read direct',
      'raw-memcached-get read direct',
      'static-http read direct',
    ]);
    const planned = new Set(plan({}));
    for (const name of RATIO_NAMES) {
      const { over, under, workload } = BENCH_RATIOS[name];
      t.ok(planned.has(`${over} ${workload} direct`), `${name}: ${over}`);
      t.ok(planned.has(`${under} ${workload} direct`), `${name}: ${under}`);
    }
  },
);

t.test(
  'the full matrix adds every workload on the first store and nginx for the baseline',
  async (t) => {
    const planned = plan({ full: true });
    t.equal(planned.length, 23);
    t.ok(planned.includes('static-http read direct'), 'the load ceiling is measured');
    for (const workload of ['read', 'write', 'mixed', 'login-churn', 'anon']) {
      t.ok(planned.includes(`engine-redis ${workload} direct`), `engine-redis ${workload}`);
      t.ok(planned.includes(`express-session-redis ${workload} direct`));
    }
    t.ok(planned.includes('express-nosession read nginx'));
    t.notOk(planned.includes('engine-memcached write direct'));
    t.ok(planned.includes('engine-redis-sentinel-wait0 login-churn direct'), 'WAIT: without');
    t.ok(planned.includes('engine-redis-sentinel-wait1 login-churn direct'), 'WAIT: with');
  },
);

t.test('a custom selection is the cross product, limited to what a target supports', async (t) => {
  t.same(
    plan({ targets: ['engine-redis', 'raw-*'], workloads: ['read', 'write'], paths: ['direct'] }),
    [
      'engine-redis read direct',
      'engine-redis write direct',
      'raw-ioredis-get read direct',
      'raw-memcached-get read direct',
    ],
  );
  t.same(plan({ quick: true, targets: ['engine-*'], stores: ['memcached'], paths: ['nginx'] }), [
    'engine-memcached read nginx',
    'engine-http-memcached read nginx',
  ]);
});

t.test(
  'with postgres among the stores: engine and connect-pg-simple reads as side rows; every session workload and the raw SELECT with --full',
  async (t) => {
    const reps = (input: BenchOptionsInput): Record<string, number> =>
      Object.fromEntries(
        planMeasurements(resolveBenchOptions(input))
          .filter((m) => m.target.store === 'postgres')
          .map((m) => [`${m.target.name} ${m.workload} ${m.path}`, m.reps]),
      );
    const rows = (session: number, raw: number): Record<string, number> => ({
      ...Object.fromEntries(
        ['engine-postgres', 'express-session-postgres'].flatMap((target) =>
          ['read', 'write', 'mixed', 'login-churn'].map((w) => [`${target} ${w} direct`, session]),
        ),
      ),
      'engine-http-postgres read direct': raw,
      'raw-pg-select read direct': raw,
    });
    t.same(reps({}), {}, 'not in the default stores');
    t.same(reps({ stores: ['redis', 'memcached', 'postgres'] }), {
      'engine-postgres read direct': 1,
      'express-session-postgres read direct': 1,
    });
    t.same(reps({ stores: ['redis', 'postgres'], full: true }), rows(3, 3));
    t.same(
      reps({ stores: ['postgres'] }),
      {
        'engine-postgres read direct': 3,
        'engine-postgres read nginx': 1,
        'express-session-postgres read direct': 3,
        'express-session-postgres read nginx': 1,
      },
      'postgres the first store: its reads keep their runs',
    );
    t.same(
      plan({ quick: true, stores: ['redis', 'postgres'] }).filter(
        (r) => r.includes('postgres') || r.includes('pg'),
      ),
      [
        'engine-postgres read direct',
        'express-session-postgres read direct',
        'engine-http-postgres read direct',
        'raw-pg-select read direct',
      ],
    );
  },
);

t.test('bad options are rejected naming the field and what is allowed', async (t) => {
  const bad: [BenchOptionsInput, RegExp][] = [
    [{ reps: 0 }, /^invalid reps 0: expected an integer from 1 to 20$/],
    [{ durationSec: 1.5 }, /^invalid durationSec 1.5: expected an integer/],
    [{ connections: Number.NaN }, /^invalid connections NaN/],
    [{ workloads: ['browse'] }, /^invalid workload "browse": expected read \| write \| mixed/],
    [{ paths: ['sideways'] }, /^invalid path "sideways": expected direct \| nginx$/],
    [
      { stores: ['mongo'] },
      /^invalid store "mongo": expected redis \| memcached \| redis-cluster \| postgres$/,
    ],
    [{ lb: 'random' }, /^invalid lb "random": expected round-robin \| least-conn/],
    [{ targets: ['Engine'] }, /^invalid target "Engine"/],
  ];
  for (const [input, message] of bad) t.throws(() => resolveBenchOptions(input), message);
  t.throws(() => plan({ targets: ['nope-*'] }), InvalidOptionError);
  t.throws(() => plan({ targets: ['nope-*'] }), /expected one of engine-redis \| /);
});

t.test('the ratio rows keep every repetition; side rows get one unless --full', async (t) => {
  const reps = (input: BenchOptionsInput): Record<string, number> =>
    Object.fromEntries(
      planMeasurements(resolveBenchOptions(input)).map((m) => [
        `${m.target.name} ${m.workload} ${m.path}`,
        m.reps,
      ]),
    );
  const standard = reps({});
  t.equal(standard['engine-redis read direct'], 3);
  t.equal(standard['express-session-redis login-churn direct'], 3);
  t.equal(standard['raw-ioredis-get read direct'], 3);
  t.equal(standard['raw-memcached-get read direct'], 3);
  t.equal(standard['static-http read direct'], 3, 'the load ceiling beside every ratio');
  t.equal(standard['engine-redis read nginx'], 1);
  t.equal(standard['express-session-redis read nginx'], 1);
  t.ok(
    Object.values(reps({ full: true })).every((n) => n === 3),
    '--full: every row 3 runs',
  );
  t.ok(
    Object.values(reps({ workloads: ['anon'], paths: ['nginx'] })).every((n) => n === 3),
    'a chosen selection keeps its repetitions',
  );
  const options = resolveBenchOptions({ full: false });
  const planned = planMeasurements(options);
  t.equal(planned.filter((m) => m.reps === 1).length, 2, 'the two nginx reads');
  const ratioRows = planned.filter((m) => m.reps === 3).length;
  t.equal(
    estimateSeconds(options, planned),
    Math.round(ratioRows * 16 + (planned.length - ratioRows) * 6),
  );
});
