// The chat page: plain JavaScript, no build step. It joins with a name, listens to
// GET /chat/events?name=... through the browser's own EventSource (which reconnects
// by itself and sends Last-Event-ID, so the server can replay what was missed), and
// posts messages to POST /chat/messages with fetch.

const maxNameLength = 24;
const maxTextLength = 2000;
/** The server's rule, checked here too: EventSource cannot read why a connection was refused. */
const namePattern = /^[\p{L}\p{M}\p{N}._-]+(?: [\p{L}\p{M}\p{N}._-]+)*$/u;
const storedNameKey = 'sluice-chat-name';

const byId = (id) => document.getElementById(id);
const ui = {
  me: byId('me'),
  status: byId('status'),
  statusText: byId('status-text'),
  scroller: byId('scroller'),
  empty: byId('empty'),
  messages: byId('messages'),
  composer: byId('composer'),
  input: byId('composer-input'),
  send: byId('send'),
  counter: byId('counter'),
  composerError: byId('composer-error'),
  members: byId('members'),
  memberCount: byId('member-count'),
  join: byId('join'),
  joinForm: byId('join-form'),
  nameInput: byId('name-input'),
  joinError: byId('join-error'),
  replaced: byId('replaced'),
  replacedReason: byId('replaced-reason'),
  rejoin: byId('rejoin-button'),
};

/** The name this window joined with, once joined. */
let me;
/** The current EventSource, undefined when not connected (before joining, after being replaced). */
let source;

const characters = (text) => [...text].length;

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.statusText.textContent = text;
}

/** A stable colour per name, for avatars. */
function hueOf(name) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % 360;
}

function avatar(name) {
  const element = document.createElement('span');
  element.className = 'avatar';
  element.setAttribute('aria-hidden', 'true');
  element.textContent = [...name][0] ?? '?';
  element.style.setProperty('--hue', String(hueOf(name)));
  return element;
}

// ---- joining -------------------------------------------------------------

/** Normalises what was typed and checks it as the server will; returns { name } or { error }. */
function checkName(raw) {
  const name = raw.trim().replace(/\s+/g, ' ').normalize('NFC');
  if (name === '') return { error: 'Please enter a name.' };
  if (characters(name) > maxNameLength) return { error: `A name has at most ${maxNameLength} characters.` };
  if (!namePattern.test(name)) return { error: "Use letters, digits, spaces, '.', '_' or '-'." };
  return { name };
}

function showJoin(error) {
  ui.join.hidden = false;
  ui.joinError.hidden = error === undefined;
  ui.joinError.textContent = error ?? '';
  ui.nameInput.focus();
}

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const { name, error } = checkName(ui.nameInput.value);
  if (error !== undefined) return showJoin(error);
  me = name;
  sessionStorage.setItem(storedNameKey, name);
  ui.join.hidden = true;
  ui.me.hidden = false;
  ui.me.textContent = name;
  ui.input.disabled = false;
  updateComposer();
  ui.input.focus();
  connect();
});

ui.rejoin.addEventListener('click', () => {
  ui.replaced.hidden = true;
  connect();
});

// ---- the event stream ----------------------------------------------------

function connect() {
  source?.close();
  setStatus('connecting', 'Connecting…');
  const events = new EventSource(`/chat/events?name=${encodeURIComponent(me)}`);
  source = events;
  const on = (type, handle) => events.addEventListener(type, (event) => handle(JSON.parse(event.data)));

  events.addEventListener('open', () => setStatus('live', 'Live'));
  events.addEventListener('error', () => {
    if (events !== source) return;
    if (events.readyState === EventSource.CLOSED) {
      // Refused (a 4xx, or not an event stream): the browser will not retry on its own.
      source = undefined;
      setStatus('offline', 'Disconnected');
      showJoin('The server did not accept this name. Try another one.');
    } else {
      setStatus('reconnecting', 'Reconnecting…');
    }
  });

  on('presence', ({ members }) => renderMembers(members));
  on('join', ({ name, members }) => {
    renderMembers(members);
    addNotice(`${name} joined`);
  });
  on('leave', ({ name, members }) => {
    renderMembers(members);
    addNotice(`${name} left`);
  });
  on('message', addMessage);
  on('gap', ({ missed }) => addNotice(`${missed} earlier message${missed === 1 ? ' is' : 's are'} no longer available`));
  on('replaced', ({ reason }) => {
    // Another window took this name over: stop here, or the two would keep taking it from each other.
    events.close();
    source = undefined;
    setStatus('offline', 'Opened elsewhere');
    ui.replacedReason.textContent = reason;
    ui.replaced.hidden = false;
  });
  // The server is stopping; the browser reconnects by itself once it is back.
  events.addEventListener('shutdown', () => setStatus('reconnecting', 'Server restarting…'));
}

// ---- rendering -----------------------------------------------------------

function renderMembers(members) {
  const items = members.map((name) => {
    const item = document.createElement('li');
    item.dataset.name = name;
    const label = document.createElement('span');
    label.className = 'name';
    label.textContent = name;
    item.append(avatar(name), label);
    if (name === me) {
      const you = document.createElement('span');
      you.className = 'you';
      you.textContent = '(you)';
      item.append(you);
    }
    return item;
  });
  ui.members.replaceChildren(...items);
  ui.memberCount.textContent = String(members.length);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Appends an item, keeping the view pinned to the newest message if it was there (or the message is ours). */
function append(item, pin) {
  const nearBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 60;
  ui.messages.append(item);
  ui.empty.hidden = true;
  if (nearBottom || pin) ui.scroller.scrollTop = ui.scroller.scrollHeight;
}

function addMessage(message) {
  const mine = message.name === me;
  const at = new Date(message.at);
  const previous = ui.messages.lastElementChild;
  // Messages from the same person within two minutes read as one block.
  const continued =
    previous?.classList.contains('message') &&
    previous.dataset.name === message.name &&
    at.getTime() - Number(previous.dataset.at) < 120_000;

  const item = document.createElement('li');
  item.className = `message${mine ? ' mine' : ''}${continued ? ' continued' : ''}`;
  item.dataset.id = String(message.id);
  item.dataset.name = message.name;
  item.dataset.at = String(at.getTime());

  const body = document.createElement('div');
  body.className = 'body';
  const meta = document.createElement('div');
  meta.className = 'meta';
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = message.name;
  const time = document.createElement('time');
  time.className = 'time';
  time.dateTime = message.at;
  time.title = at.toLocaleString();
  time.textContent = timeFormat.format(at);
  meta.append(author, time);
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = message.text;
  body.append(meta, text);

  item.append(avatar(message.name), body);
  append(item, mine);
}

function addNotice(text) {
  const item = document.createElement('li');
  item.className = 'notice';
  const label = document.createElement('span');
  label.textContent = text;
  item.append(label);
  append(item, false);
}

// ---- sending -------------------------------------------------------------

let sending = false;

function updateComposer() {
  const length = characters(ui.input.value.trim());
  ui.counter.hidden = length < maxTextLength - 200;
  ui.counter.textContent = `${length} / ${maxTextLength}`;
  ui.counter.classList.toggle('over', length > maxTextLength);
  ui.send.disabled = me === undefined || sending || length === 0 || length > maxTextLength;
  // Grow with the text, up to the CSS max-height.
  ui.input.style.height = 'auto';
  ui.input.style.height = `${ui.input.scrollHeight + 2}px`;
}

function showComposerError(text) {
  ui.composerError.hidden = text === undefined;
  ui.composerError.textContent = text ?? '';
}

async function send() {
  const text = ui.input.value.trim();
  if (ui.send.disabled || text === '') return;
  sending = true;
  updateComposer();
  try {
    const response = await fetch('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: me, text }),
    });
    if (response.ok) {
      ui.input.value = '';
      showComposerError(undefined);
    } else {
      const problem = await response.json().catch(() => undefined);
      // The chat's own refusals carry `message`; the route schema's (problem details) `detail` and `issues`.
      const issue = problem?.issues?.[0];
      const why = problem?.message ?? (issue === undefined ? problem?.detail : `${issue.path.slice(1) || issue.in}: ${issue.message}`);
      showComposerError(why ?? `The server answered ${response.status}.`);
    }
  } catch {
    showComposerError('Could not reach the server. Check the connection and try again.');
  } finally {
    sending = false;
    updateComposer();
    ui.input.focus();
  }
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});

ui.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});

ui.input.addEventListener('input', updateComposer);

// A reloaded tab offers the name it used.
ui.nameInput.value = sessionStorage.getItem(storedNameKey) ?? '';
showJoin();
