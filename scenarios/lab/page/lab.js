// The lab page: its own requests go to the app routes through nginx (each marked with the node
// that answered); cluster operations go to /_lab/api; the picture follows server-sent events.
'use strict';

const $ = (id) => document.getElementById(id);
const MAX_REQUESTS = 40;
let picture = null;

function showError(text) {
  $('error').textContent = text;
}

function noteRequest(method, path, status, node) {
  const item = document.createElement('li');
  item.dataset.node = node;
  item.dataset.status = String(status);
  const code = document.createElement('span');
  code.className = `s${String(status)[0]}`;
  code.textContent = String(status);
  const tag = document.createElement('span');
  tag.className = 'tag';
  tag.textContent = node;
  item.append(`${method} ${path} → `, code, ' ', tag);
  $('requests').prepend(item);
  while ($('requests').children.length > MAX_REQUESTS) $('requests').lastChild.remove();
  for (const box of document.querySelectorAll('.node'))
    box.classList.toggle('served', box.dataset.id === node);
}

/** One request of the page; answers the parsed body (or null) and the status. */
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    showError(`${method} ${path}: no answer`);
    return { status: 0, body: null };
  }
  const text = await res.text();
  const parsed = text === '' ? null : JSON.parse(text);
  if (!path.startsWith('/_lab/api/') || path === '/_lab/api/login')
    noteRequest(method, path, res.status, res.headers.get('x-node-id') ?? 'nginx');
  if (res.status >= 400) showError(`${method} ${path} → ${res.status}: ${parsed?.error ?? ''}`);
  else showError('');
  return { status: res.status, body: parsed };
}

async function refreshSession() {
  const me = await call('GET', '/me');
  $('whoami').textContent =
    me.status === 200 ? me.body.user : me.status === 401 ? 'anonymous' : `? (${me.status})`;
  const record = await call('GET', '/_lab/api/record');
  if (record.status !== 200) {
    $('record').textContent = `the store did not answer (${record.status})`;
    return;
  }
  const { session, records } = record.body;
  $('record').textContent =
    session === null
      ? 'no session cookie'
      : records.length === 0
        ? `session ${session}: nothing in the store`
        : records
            .map((r) => `${r.key}  (ttl ${r.ttlMs} ms)\n  ${r.values.join('\n  ')}`)
            .join('\n');
}

function box(className, label, detail) {
  const div = document.createElement('div');
  div.className = `box ${className}`;
  div.append(label, document.createElement('br'));
  const small = document.createElement('small');
  small.textContent = detail;
  div.append(small);
  return div;
}

function button(label, op, index) {
  const b = document.createElement('button');
  b.textContent = label;
  b.dataset.op = op;
  b.dataset.index = String(index);
  b.addEventListener('click', () => act('/_lab/api/node', { op, index }));
  return b;
}

function render(state) {
  picture = state;
  $('setup').textContent =
    `${state.impl} × ${state.store}, ${state.nodes.length} nodes, nginx ${state.lb}`;
  $('lb').textContent = `nginx (${state.lb})`;
  $('nodes').replaceChildren(
    ...state.nodes.map((node, index) => {
      const health = node.healthy ? 'up' : 'down';
      const div = box(
        'node',
        node.id,
        node.healthy ? 'healthy' : node.running ? 'not answering' : 'killed',
      );
      div.dataset.id = node.id;
      div.dataset.health = health;
      div.append(node.running ? button('kill', 'kill', index) : button('start', 'start', index));
      return div;
    }),
  );
  $('stores').replaceChildren(
    ...state.stores.map((store) => {
      const status = store.paused ? 'paused' : store.running ? 'running' : 'stopped';
      const div = box('store', `${state.store} ${store.index}`, status);
      div.dataset.state = status;
      return div;
    }),
  );
  $('flaws').textContent = state.flaws.length ? `flaws on: ${state.flaws.join(', ')}` : 'no flaw';
  updateFlawButton();
  $('busy').hidden = state.busy === null;
  $('busy').textContent = state.busy === null ? '' : `${state.busy}…`;
  for (const b of document.querySelectorAll('button')) b.disabled = state.busy !== null;
  $('log').replaceChildren(
    ...state.log.map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }),
  );
}

function updateFlawButton() {
  const on = picture?.flaws.includes($('flaw-name').value) ?? false;
  $('flaw-toggle').textContent = on ? 'switch flaw off' : 'switch flaw on';
  $('flaw-toggle').dataset.on = String(!on);
}

async function act(path, body) {
  await call('POST', path, body);
  await refreshSession();
}

$('login').addEventListener('click', () => act('/_lab/api/login', { user: $('user').value }));
$('logout').addEventListener('click', () => act('/logout'));
$('write').addEventListener('click', async () => {
  await call('PUT', `/session/data/${encodeURIComponent($('key').value)}`, {
    value: $('value').value,
  });
  await refreshSession();
});
$('burst').addEventListener('click', async () => {
  $('burst-result').textContent = 'firing…';
  const { status, body } = await call('POST', '/_lab/api/burst', { n: Number($('burst-n').value) });
  if (status === 200) {
    const spread = Object.entries(body.perNode)
      .map(([node, n]) => `${node}: ${n}`)
      .join(', ');
    $('burst-result').textContent =
      `${body.ok} of ${body.sent} increments answered 200 (${spread}); counter ${body.before} → ${body.after}: ${body.lost} lost`;
    $('burst-result').classList.toggle('lost', body.lost > 0);
    $('burst-result').dataset.lost = String(body.lost);
  } else $('burst-result').textContent = '';
  await refreshSession();
});
$('store-pause').addEventListener('click', () => act('/_lab/api/store', { op: 'pause', index: 0 }));
$('store-resume').addEventListener('click', () =>
  act('/_lab/api/store', { op: 'resume', index: 0 }),
);
$('rotate').addEventListener('click', () => act('/_lab/api/rotate-key', {}));
$('flaw-name').addEventListener('change', updateFlawButton);
$('flaw-toggle').addEventListener('click', () =>
  act('/_lab/api/flaw', { name: $('flaw-name').value, on: $('flaw-toggle').dataset.on === 'true' }),
);

new EventSource('/_lab/api/events').addEventListener('state', (event) =>
  render(JSON.parse(event.data)),
);
refreshSession();
