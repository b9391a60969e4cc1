/**
 * The soak's plumbing on a short run (the million runs only with `sessionlab soak`): every
 * request counted by outcome, RSS sampled three times from the node's own pid, bad options
 * refused.
 */
import t from 'tap';
import { rssMibOf, runSoak } from '../../../scenarios/bench/soak.ts';
import { clusterFor } from '../../helpers/cluster.ts';

t.test('a short soak counts every request and samples the node RSS three times', async (t) => {
  const cluster = await clusterFor(t, { nodes: 1 });
  const [node] = cluster.nodes;
  const pid = node?.process.pid;
  if (node === undefined || pid === undefined) throw new Error('no node');
  const report = await runSoak({
    url: node.url,
    pid,
    password: cluster.password,
    requests: 400,
    concurrency: 4,
    requestsPerSession: 50,
  });
  t.equal(report.requests, 400);
  t.equal(
    Object.values(report.outcomes).reduce((a, b) => a + b, 0),
    400,
  );
  t.same(Object.keys(report.outcomes).sort(), ['GET 200', 'POST 200', 'PUT 204']);
  const { start, middle, end } = report.rssMib;
  t.ok(start > 10 && middle > 10 && end > 10, `RSS ${start} ${middle} ${end} MiB of a live node`);
  t.equal(report.leveledOff, end - middle <= Math.max(middle * 0.1, 5));
});

t.test(
  'the RSS of a pid that does not exist is an error, and bad options are refused',
  async (t) => {
    await t.rejects(rssMibOf(2 ** 22 + 1), { code: 'ENOENT' });
    await t.rejects(runSoak({ url: 'http://127.0.0.1:1', pid: 1, password: 'x', requests: 0 }), {
      code: 'SESSIONLAB_ERR_INVALID_OPTION',
      message: 'invalid requests 0: expected an integer >= 1',
    });
  },
);
