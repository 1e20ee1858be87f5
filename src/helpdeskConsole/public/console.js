// The helpdesk console: the queue and one ticket, kept live over the server's event stream.
// Plain script, no build step. Everything users or agents wrote is put on the page as text (textContent).
// The session cookie signs every request in; the page's CSRF token goes with every POST.
'use strict';

(() => {
  const STATUSES = ['waiting', 'in-progress', 'resolved'];
  const PAGE = 20;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  };

  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const offsets = { waiting: 0, 'in-progress': 0, resolved: 0 };
  /** Server time minus this browser's, so waiting times follow the server's clock. */
  let clockSkew = 0;
  let shownTicket = null;
  let shownLines = new Set();
  let lastEventId = '';
  let listening = false;

  // ---- the API ----

  async function api(path, body) {
    const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': CSRF }, body: JSON.stringify(body) };
    const res = await fetch(`/helpdesk/api${path}`, init);
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) {
      signIn();
      throw new Error(data.error);
    }
    if (!res.ok) throw new Error(data.error || `エラーが発生しました（${res.status}）`);
    return data;
  }

  // ---- pages ----

  function show(id) {
    for (const page of ['queue', 'ticket']) $(page).hidden = page !== id;
  }

  function route() {
    const match = /^\/helpdesk\/tickets\/([^/]+)$/.exec(location.pathname);
    if (match) showTicket(decodeURIComponent(match[1]));
    else showQueue();
    if (!listening) listen();
  }

  function navigate(path) {
    history.pushState(null, '', path);
    route();
  }

  /** The session ended (expired, signed out elsewhere): to the sign-in, which brings the agent back here. */
  function signIn() {
    location.assign(`/helpdesk/signin?next=${encodeURIComponent(location.pathname)}`);
  }

  // ---- the queue ----

  async function showQueue() {
    shownTicket = null;
    show('queue');
    document.title = '対応キュー | ヘルプデスク';
    await Promise.all(STATUSES.map(loadQueue));
  }

  async function loadQueue(status) {
    const section = document.querySelector(`.queue[data-status="${status}"]`);
    try {
      const page = await api(`/queue?status=${status}&offset=${offsets[status]}&limit=${PAGE}`);
      if (page.items.length === 0 && page.offset > 0 && page.total > 0) {
        offsets[status] = Math.max(0, Math.floor((page.total - 1) / PAGE) * PAGE);
        return loadQueue(status);
      }
      clockSkew = Date.parse(page.now) - Date.now();
      renderQueue(section, status, page);
    } catch (err) {
      section.querySelector('.list').replaceChildren(el('p', { class: 'problem', role: 'alert' }, err.message));
    }
  }

  function renderQueue(section, status, page) {
    section.querySelector('.count').textContent = `（${page.total.toLocaleString('ja-JP')}件）`;
    const list = section.querySelector('.list');
    if (page.items.length === 0) {
      list.replaceChildren(el('p', { class: 'empty' }, 'ありません'));
    } else {
      const headings = ['受付番号', status === 'waiting' ? '待ち時間' : status === 'in-progress' ? '対応開始まで' : '完了', 'チャネル', '話題', '主な内容', status === 'waiting' ? '利用者' : '担当者'];
      const table = el(
        'table',
        {},
        el('colgroup', {}, el('col', { class: 'id' }), el('col', { class: 'wait' }), el('col', { class: 'channel' }), el('col', { class: 'topic' }), el('col'), el('col', { class: 'who' })),
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...page.items.map((item) => queueRow(item, headings))),
      );
      list.replaceChildren(table);
    }
    section.querySelector('.pager').hidden = page.total <= PAGE;
    const [prev, next] = section.querySelectorAll('.pager button');
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + page.items.length >= page.total;
    section.querySelector('.range').textContent = page.total ? `${page.offset + 1}–${page.offset + page.items.length}件目` : '';
    tickClocks();
  }

  function queueRow(item, headings) {
    const link = el('a', { href: `/helpdesk/tickets/${encodeURIComponent(item.id)}` }, item.id);
    const facts = item.keyFacts.length ? item.keyFacts.map((f) => `${f.label}: ${f.value}`).join(' ／ ') : item.summary;
    const cells = [
      link,
      waitingClock(item),
      item.channel,
      item.topic,
      facts,
      item.status === 'waiting' ? item.userName : item.agent || '',
    ];
    return el('tr', { 'data-ticket': item.id }, ...cells.map((content, i) => el('td', { 'data-label': headings[i], ...(i === 4 ? { class: 'facts-cell' } : {}) }, content)));
  }

  /** The time a ticket waited: until now while it waits, until it was taken, until it was resolved. */
  function waitingClock(item) {
    if (item.status === 'resolved') return el('span', {}, formatTime(item.resolvedAt));
    const span = el('span', { 'data-from': item.createdAt });
    if (item.takenAt) span.setAttribute('data-to', item.takenAt);
    return span;
  }

  function tickClocks() {
    for (const span of document.querySelectorAll('[data-from]')) {
      const to = span.getAttribute('data-to') ? Date.parse(span.getAttribute('data-to')) : Date.now() + clockSkew;
      span.textContent = duration(to - Date.parse(span.getAttribute('data-from')));
    }
  }

  function duration(ms) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 60) return `${minutes}分`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours}時間${minutes % 60}分`;
    return `${Math.floor(hours / 24)}日${hours % 24}時間`;
  }

  const timeFormat = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const formatTime = (iso) => (iso ? timeFormat.format(new Date(iso)) : '');

  // ---- one ticket ----

  async function showTicket(id) {
    show('ticket');
    const changed = shownTicket !== id;
    shownTicket = id;
    if (changed) {
      $('t-error').textContent = '';
      $('reply-text').value = '';
    }
    try {
      renderTicket(await api(`/tickets/${encodeURIComponent(id)}`));
      if (changed) $('t-title').focus();
    } catch (err) {
      $('t-title').textContent = id;
      $('t-error').textContent = err.message;
    }
  }

  function renderTicket({ view }) {
    document.title = `${view.id} | ヘルプデスク`;
    $('t-title').textContent = view.title;
    const status = $('t-status');
    status.textContent = view.statusLabel;
    status.className = `pill ${view.status}`;
    $('t-summary').textContent = view.summary;
    $('t-actions').replaceChildren(...view.actions.map((action) => el('button', { type: 'button', 'data-action': action.kind, ...(action.kind === 'resolve' ? { class: 'secondary' } : {}) }, action.label)));
    for (const button of $('t-actions').querySelectorAll('button')) {
      const action = view.actions.find((a) => a.kind === button.dataset.action);
      button.addEventListener('click', () => act(view.id, action));
    }
    const rows = (table, items, empty) => table.replaceChildren(...(items.length ? items.map((r) => el('tr', {}, el('th', { scope: 'row' }, r.label), el('td', {}, r.value))) : [el('tr', {}, el('td', {}, empty))]));
    rows($('t-rows'), view.rows, '');
    rows($('t-facts'), view.facts, '（まだ確認していません）');
    shownLines = new Set();
    $('t-transcript').replaceChildren();
    for (const line of view.transcript) addLine(line);
    $('t-reply').hidden = view.status !== 'in-progress';
  }

  function addLine(line) {
    const key = `${line.at}|${line.from}|${line.text}`;
    if (shownLines.has(key)) return;
    shownLines.add(key);
    $('t-transcript').append(el('li', { class: line.from }, el('span', { class: 'who' }, `${line.speaker}・${formatTime(line.at)}`), line.text));
  }

  async function act(id, action) {
    if (action.confirm && !window.confirm(`${action.confirm.title}\n${action.confirm.text}`)) return;
    $('t-error').textContent = '';
    try {
      renderTicket(await api(`/tickets/${encodeURIComponent(id)}/${action.kind}`, {}));
      if (action.kind === 'take') $('reply-text').focus();
      else $('t-title').focus();
    } catch (err) {
      $('t-error').textContent = err.message;
      await showTicket(id).catch(() => undefined);
      $('t-error').textContent = err.message;
    }
  }

  async function reply(event) {
    event.preventDefault();
    const text = $('reply-text').value.trim();
    if (!text || !shownTicket) return;
    const button = $('t-reply').querySelector('button');
    button.disabled = true;
    $('t-error').textContent = '';
    try {
      renderTicket(await api(`/tickets/${encodeURIComponent(shownTicket)}/messages`, { text }));
      $('reply-text').value = '';
    } catch (err) {
      $('t-error').textContent = err.message;
    } finally {
      button.disabled = false;
      $('reply-text').focus();
    }
  }

  // ---- live updates: Server-Sent Events, read with fetch (EventSource hides a 401, and retries at its own pace) ----

  let reloadTimer;
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(refresh, 150);
  }

  function refresh() {
    if (shownTicket) showTicket(shownTicket);
    else if (!$('queue').hidden) Promise.all(STATUSES.map(loadQueue));
  }

  function onTicketEvent(event) {
    if (shownTicket === null) return reloadSoon();
    if (event.ticketId !== shownTicket) return;
    if (event.kind === 'message') addLine(event.line);
    else reloadSoon();
  }

  function setLive(on) {
    $('live').className = on ? 'live on' : 'live';
    $('live').textContent = on ? 'ライブ更新中' : '再接続しています…';
  }

  async function listen() {
    listening = true;
    let first = true;
    let pause = 1000;
    for (;;) {
      let reset = false;
      try {
        const res = await fetch('/helpdesk/api/events', { headers: lastEventId ? { 'last-event-id': lastEventId } : {} });
        if (res.status === 401) return signIn();
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = parseFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (frame.id) lastEventId = frame.id;
            if (frame.event === 'reset') reset = true;
            else if (frame.event === 'ready') {
              setLive(true);
              pause = 1000;
              // The first time, and after a gap the server could not fill: what is shown is read again.
              if (first || reset) refresh();
              first = false;
            } else if (frame.event === 'ticket') onTicketEvent(JSON.parse(frame.data));
          }
        }
      } catch {
        // The connection dropped or could not be made: try again below.
      }
      setLive(false);
      // Soon after a drop; less often while the server stays away.
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 15_000);
    }
  }

  function parseFrame(text) {
    const frame = { event: 'message', data: '', id: '' };
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data += value;
      else if (field === 'id') frame.id = value;
    }
    return frame;
  }

  // ---- wiring ----

  // Links within the console (the queue, a ticket) change what is shown without a reload, keeping the live feed.
  const inConsole = (link) => /^\/helpdesk(\/tickets\/[^/]+)?$/.test(link.getAttribute('href'));
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href]');
    if (!link || !inConsole(link) || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', route);
  for (const section of document.querySelectorAll('.queue')) {
    for (const button of section.querySelectorAll('.pager button')) {
      button.addEventListener('click', () => {
        const status = section.dataset.status;
        offsets[status] = Math.max(0, offsets[status] + Number(button.dataset.page) * PAGE);
        loadQueue(status);
      });
    }
  }
  $('t-reply').addEventListener('submit', reply);
  $('reply-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.isComposing) $('t-reply').requestSubmit();
  });
  setInterval(tickClocks, 30_000);
  route();
})();
