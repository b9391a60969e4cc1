/** The `/_lab/` route: rendered only when a lab server is named, unbuffered, and checked. */
import t from 'tap';
import { renderNginxConfig } from '../../nginx/render.ts';

const base = { upstreams: [{ host: '127.0.0.1', port: 8081 }], listenPort: 8080, runDir: '/tmp/x' };

t.test('no lab option, no /_lab/ route', async (t) => {
  t.notMatch(renderNginxConfig(base), '/_lab/');
});

t.test('a lab option routes /_lab/ to it, unbuffered for server-sent events', async (t) => {
  const text = renderNginxConfig({ ...base, lab: { host: '127.0.0.1', port: 9090 } });
  t.match(
    text,
    [
      '        location /_lab/ {',
      '            proxy_pass http://127.0.0.1:9090;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Connection "";',
      '            proxy_set_header X-Forwarded-Proto $scheme;',
      '            proxy_buffering off;',
      '            proxy_read_timeout 1h;',
      '        }',
    ].join('\n'),
  );
});

t.test('a bad lab address is refused naming the field', async (t) => {
  t.throws(() => renderNginxConfig({ ...base, lab: { host: 'lab.example', port: 9090 } }), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid lab.host "lab.example": expected an IP address',
  });
  t.throws(() => renderNginxConfig({ ...base, lab: { host: '127.0.0.1', port: 0 } }), {
    message: 'invalid lab.port 0: expected an integer from 1 to 65535',
  });
});
