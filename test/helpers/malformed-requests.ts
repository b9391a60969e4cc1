/**
 * A deterministic corpus of malformed HTTP/1.x requests for the load balancer: broken request
 * lines, headers, cookies, bodies, transfer and content codings, versions. Every request is
 * complete as nginx frames it (a body is exactly as long as declared, or declared too large to
 * be read at all), so each one gets an answer instead of a read timeout.
 */

/** One raw request and the family of malformations it belongs to. */
export interface MalformedRequest {
  family: 'request-line' | 'header' | 'cookie' | 'body' | 'coding' | 'version';
  bytes: Buffer;
}

const METHODS = ['get', 'Get', 'CONNECT', 'TRACE', 'G\tET', 'GE T', '', 'GET\0', 'PRI', 'M-SEARCH'];
const TARGETS = [
  '/%',
  '/%zz',
  '/%00',
  '/a b',
  '/a\tb',
  '/..',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/',
  '*',
  'http://127.0.0.1:1/',
  'x',
  '',
  '/\x7f',
  '/\xff\xfe',
  '/me?%',
  '/session/data/%',
  '/session/data/a%00b',
  '/session/data/' + 'k'.repeat(70),
  '/' + 'a'.repeat(9000),
  '//metrics',
  '/METRICS/',
];
const VERSIONS = [
  'HTTP/0.9',
  'HTTP/1.2',
  'HTTP/2.0',
  'HTTP/3',
  'HTTP/1',
  'http/1.1',
  'HTTP/1.1x',
  'HTTP/9.9',
  'HTTP/01.1',
  '',
];
const HEADER_LINES = [
  'Bad Header: x',
  'NoColon',
  'Host : spaced',
  ' Folded: continuation',
  'X-Nul: a\0b',
  'X-Ctl: a\x01b',
  'Host: a\r\nHost: b',
  'Content-Length: 1\r\nContent-Length: 2',
  'Content-Length: -1',
  'Content-Length: +4',
  'Content-Length: 0x10',
  'Content-Length: 99999999999999999999',
  'X-Big: ' + 'v'.repeat(9000),
  ':authority: x',
  'X-\xff: y',
  'Expect: 100-continue-please',
  'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings',
];
const COOKIES = [
  'sid=',
  'sid=%',
  'sid=%00',
  'sid="unterminated',
  'sid=' + 'A'.repeat(4000),
  'sid=s1.' + 'x'.repeat(43) + '.tampered',
  'sid=a; sid=b; sid=c; sid=d',
  '__Host-sid=../../x',
  'sid=\x7f\x01',
  ';;;;=;=;',
  'sid=\xff\xfe',
  Array.from({ length: 200 }, (_, i) => `c${i}=${i}`).join('; '),
];
const BODIES: readonly [string, string, string][] = [
  ['POST', '/login', '{"user":'],
  ['POST', '/login', '{"user":"alice","password":{"$gt":""}}'],
  ['POST', '/login', '['.repeat(2000) + ']'.repeat(2000)],
  ['POST', '/login', '{"user":"' + 'a'.repeat(500) + '","password":"x"}'],
  ['POST', '/login', '\0\0\0'],
  ['PUT', '/session/data/k', '{"value":'],
  ['PUT', '/session/data/k', 'not json'],
  ['PUT', '/session/data/k', '{"value":1e999999}'],
  ['PUT', '/session/data/__proto__', '{"value":{"polluted":true}}'],
  ['PUT', '/session/data/k', '{"__proto__":{"value":1}}'],
  ['POST', '/session/counter/k', '{"by":"x"}'],
  ['POST', '/logout-all', '\xff\xfe\xfd'],
];
const CODINGS = [
  'Transfer-Encoding: gzip',
  'Transfer-Encoding: chunked, chunked',
  'Transfer-Encoding: identity',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 3',
  'Transfer-Encoding:\tchunked',
  'Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip',
];
const CHUNKED_BODIES = [
  'zz\r\nabc\r\n0\r\n\r\n',
  '3;ext=\x01\r\nabc\r\n0\r\n\r\n',
  '-1\r\n\r\n',
  'ffffffffffffffffff\r\n',
];
const CONTENT_ENCODINGS = ['gzip', 'br', 'deflate', 'x-unknown', 'gzip, gzip, gzip'];

/** mulberry32: a small seeded generator, so a failing request can be reproduced by index. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

function request(line: string, headers: readonly string[], body = ''): Buffer {
  const withLength = body === '' ? headers : [...headers, `Content-Length: ${latin1(body).length}`];
  return latin1(`${line}\r\n${withLength.map((h) => `${h}\r\n`).join('')}\r\n${body}`);
}

const builders: Record<MalformedRequest['family'], (pick: <T>(list: readonly T[]) => T) => Buffer> =
  {
    'request-line': (pick) =>
      request(`${pick(METHODS)} ${pick(TARGETS)} ${pick(['HTTP/1.1', 'HTTP/1.0'])}`, ['Host: x']),
    header: (pick) =>
      request(`GET ${pick(['/me', '/contract', '/session/data'])} HTTP/1.1`, [
        'Host: x',
        pick(HEADER_LINES),
      ]),
    cookie: (pick) =>
      request(`GET ${pick(['/me', '/session/data', '/session/data/k'])} HTTP/1.1`, [
        'Host: x',
        `Cookie: ${pick(COOKIES)}`,
        'Connection: close',
      ]),
    body: (pick) => {
      const [method, path, body] = pick(BODIES);
      const type = pick(['application/json', 'text/plain', 'application/json; charset=utf-7', '']);
      return request(
        `${method} ${path} HTTP/1.1`,
        ['Host: x', `Content-Type: ${type}`, 'Connection: close'],
        body,
      );
    },
    coding: (pick) => {
      const useTe = pick([true, false]);
      if (useTe) {
        return latin1(
          `POST /login HTTP/1.1\r\nHost: x\r\n${pick(CODINGS)}\r\n\r\n${pick(CHUNKED_BODIES)}`,
        );
      }
      const headers = [
        'Host: x',
        `Content-Encoding: ${pick(CONTENT_ENCODINGS)}`,
        'Content-Type: application/json',
        'Connection: close',
      ];
      return request('POST /login HTTP/1.1', headers, '\x1f\x8b\x08\x00garbage');
    },
    version: (pick) => request(`GET /me ${pick(VERSIONS)}`, ['Host: x']),
  };
const FAMILIES = Object.keys(builders) as MalformedRequest['family'][];

/** `count` requests, every family in turn, the same ones for the same seed. */
export function malformedRequests(count: number, seed = 13): MalformedRequest[] {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const family = FAMILIES[i % FAMILIES.length] as MalformedRequest['family'];
    return { family, bytes: builders[family](pick) };
  });
}
