import t from 'tap';
import { faultUnderTraffic } from '../../../scenarios/conformance/steps.ts';

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

t.test(
  'traffic that fails while the fault runs is thrown after it, never left unhandled',
  async (t) => {
    let stopped = false;
    // Fails long before the fault ends: with nothing attached yet, that would be an unhandled
    // rejection, which tap reports as a failure of this file.
    const traffic = later(10).then(() => {
      throw new Error('login answered 502');
    });
    await t.rejects(
      faultUnderTraffic(
        traffic,
        () => later(100),
        () => (stopped = true),
      ),
      { message: 'login answered 502' },
    );
    t.ok(stopped, 'the traffic was told to stop');
  },
);

t.test('the fault error comes first; the traffic is still stopped and awaited', async (t) => {
  let running = true;
  let loops = 0;
  const traffic = (async () => {
    while (running) {
      loops++;
      await later(5);
    }
  })();
  await t.rejects(
    faultUnderTraffic(
      traffic,
      async () => {
        await later(30);
        throw new Error('restart failed');
      },
      () => (running = false),
    ),
    { message: 'restart failed' },
  );
  const after = loops;
  await later(20);
  t.equal(loops, after, 'no traffic after it returned');
  t.ok(after > 0);
});

t.test('both fine: resolves', async (t) => {
  let running = true;
  const traffic = (async () => {
    while (running) await later(5);
  })();
  await faultUnderTraffic(
    traffic,
    () => undefined,
    () => (running = false),
  );
  t.equal(running, false);
});
