import t from 'tap';
import { cpuMicros, parseStatTicks } from '../../../scenarios/bench/cpu.ts';

t.test('utime + stime are read past a command name with spaces and parentheses', async (t) => {
  const stat =
    '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 30 0 0 20 0 11 0 123 456 789';
  t.equal(parseStatTicks(stat), 180);
  t.equal(parseStatTicks('garbage'), undefined);
});

t.test('the CPU a busy process used grows by about the work it did', async (t) => {
  const before = await cpuMicros([process.pid]);
  const until = performance.now() + 200;
  let spins = 0;
  while (performance.now() < until) spins++;
  const after = await cpuMicros([process.pid]);
  t.ok(spins > 0);
  if (before === undefined || after === undefined) throw new Error('/proc is not readable here');
  t.ok(after - before > 0, `the counter moved (${Math.round(after - before)} µs)`);
  t.equal(await cpuMicros([process.pid, 999_999_999]), undefined, 'a gone pid gives no reading');
});
