/** The "Every response" rules SL-CT-01 applies to each reply it sees. */
import t from 'tap';
import type { Reply } from '../../../scenarios/conformance/client.ts';
import { everyResponseFaults } from '../../../scenarios/conformance/checks/contract.ts';

const reply = (status: number, type: string | undefined, text: string, node = 'n1'): Reply => {
  let body: unknown = text === '' ? undefined : text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the raw text, as the client keeps it
  }
  return {
    status,
    headers: type ? { 'content-type': type } : {},
    body,
    text,
    setCookie: [],
    node,
    ms: 1,
  };
};

t.test('a JSON answer, a 204 and a JSON error from the right node pass', async (t) => {
  t.same(
    everyResponseFaults(reply(200, 'application/json; charset=utf-8', '{"user":"a"}'), 'n1'),
    [],
  );
  t.same(everyResponseFaults(reply(204, undefined, ''), 'n1'), []);
  t.same(everyResponseFaults(reply(404, 'application/json', '{"error":"no such key"}'), 'n1'), []);
});

t.test('each broken rule is named', async (t) => {
  t.same(everyResponseFaults(reply(200, 'application/json', '{}', 'n2'), 'n1'), [
    'X-Node-Id "n2", not n1',
  ]);
  t.same(everyResponseFaults(reply(401, 'text/plain', 'not logged in'), 'n1'), [
    'content-type "text/plain"',
    'a body that is not JSON',
    'no {"error": "<message>"} body',
  ]);
  t.same(everyResponseFaults(reply(400, 'application/json', '{"message":"bad"}'), 'n1'), [
    'no {"error": "<message>"} body',
  ]);
});
