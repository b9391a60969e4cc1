import t from 'tap';
import { redactUrl } from '../../core/redact.ts';

t.test('the password of every URL in a text is replaced, the rest kept', async (t) => {
  t.equal(redactUrl('redis://app:s3cret@127.0.0.1:6379'), 'redis://app:***@127.0.0.1:6379');
  t.equal(redactUrl('redis://:s3cret@h:1'), 'redis://:***@h:1');
  t.equal(
    redactUrl('at rediss-cluster://u:p%40ss:w@a:1,b:2 and memcached://h:1'),
    'at rediss-cluster://u:***@a:1,b:2 and memcached://h:1',
  );
  t.equal(redactUrl('redis://alice@h:1 redis://h:1/0'), 'redis://alice@h:1 redis://h:1/0');
});
