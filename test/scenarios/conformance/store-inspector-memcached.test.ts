import t from 'tap';
import { connect } from 'node:net';
import { createStoreInspector } from '../../../scenarios/conformance/store-inspector.ts';
import { memcachedFor } from '../../helpers/services.ts';

const [server] = await memcachedFor(t, 1);
if (server === undefined) throw new Error('memcachedFor started no server');

/** Pipelines `count` sets (noreply) and a meta no-op, and resolves once memcached answered it. */
function fill(host: string, port: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.endsWith('MN\r\n')) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
    const value = 'x'.repeat(100);
    const sets: string[] = [];
    for (let i = 0; i < count; i++) sets.push(`set filler:${i} 0 300 100 noreply\r\n${value}\r\n`);
    socket.write(`${sets.join('')}set sl:s:wanted-token 0 300 6 noreply\r\nmarker\r\nmn\r\n`);
  });
}

t.test(
  'concurrent key listings all answer, though memcached runs one crawler at a time',
  async (t) => {
    await fill(server.host, server.port, 20_000);
    const inspector = await createStoreInspector(`memcached://${server.host}:${server.port}`);
    if (inspector === undefined) throw new Error('no inspector for memcached');
    t.teardown(() => inspector.close());
    // Checks run concurrently and each lists keys: a second metadump gets "BUSY" from memcached.
    const listings = await Promise.allSettled(
      Array.from({ length: 8 }, () => inspector.findKeys('wanted-token')),
    );
    t.same(
      listings.map((listing) =>
        listing.status === 'fulfilled' ? listing.value.map((k) => k.key) : String(listing.reason),
      ),
      Array.from({ length: 8 }, () => ['sl:s:wanted-token']),
      'every listing finds the key',
    );
  },
);
