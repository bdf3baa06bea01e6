/* Comment widget: <div id="comments" data-site="..." data-thread="..."></div>
   <script src="https://<service>/embed.js" async></script>
   Renders into an open shadow root. Only the server-sanitised `html` field is ever parsed as
   HTML; every other reader-supplied value goes in as text. */
(() => {
  'use strict';

  const me = document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).reverse()
      .find((s) => /\/embed\.js([?#]|$)/.test(s.src));
  const originOf = (u) => { try { return new URL(u, location.href).origin; } catch (e) { return ''; } };
  const API = ((me && me.dataset.base) || originOf(me && me.src) || location.origin)
    .replace(/\/+$/, '') + '/api/v1';
  const SELECTOR = '#comments[data-thread],[data-moderation-comments]';
  const PAGE = 50;
  const TOKEN_AGE = 12 * 3600e3; // the server accepts form tokens for 24 h
  const KEEP = 30 * 864e5; // forget a reader's own unresolved comments after 30 days
  const WATCH_EVERY = 20e3, WATCH_FOR = 30 * 60e3; // ask after own pending comments while the page is open
  const VERIFY_EVERY = 4e3, VERIFY_FOR = 48 * 3600e3; // the mailed link works 48 h
  const REASONS = [['spam', 'Spam or advertising'], ['abuse', 'Abusive or hateful'], ['off_topic', 'Off topic'], ['other', 'Something else']];
  const enc = encodeURIComponent;

  // Unset custom properties make `font-family`/`color` inherit from the host page.
  const CSS = `
:host{display:block;--a:var(--moderation-accent,#1a5fb4);--m:var(--moderation-muted,#6b6b6b);--r:var(--moderation-radius,6px);--e:var(--moderation-error,#c01c28);--l:var(--moderation-rule,rgba(128,128,128,.35));font-family:var(--moderation-font);color:var(--moderation-text)}
[hidden]{display:none!important}
.moderation{background:var(--moderation-bg,transparent);line-height:1.5;text-align:start;text-transform:none;letter-spacing:normal;white-space:normal}
h2,h3{line-height:1.25;margin:0 0 .75em;font-size:1.3em}
h3{font-size:1.1em}
ol{list-style:none;margin:0;padding:0}
li{margin:0 0 1.25em}
.moderation-replies{margin:.75em 0 0 .5em;padding-left:1em;border-left:2px solid var(--l)}
.moderation-replies .moderation-replies .moderation-replies{margin-left:0;padding-left:.5em}
.moderation-comment{outline-offset:4px}
.moderation-meta{display:flex;flex-wrap:wrap;gap:.1em .75em;align-items:baseline}
.moderation-author{font-weight:600;overflow-wrap:anywhere}
.moderation-date,.moderation-note,.moderation-hint{color:var(--m);font-size:.875em}
.moderation-note{font-style:italic}
.moderation-body{overflow-wrap:anywhere;margin:.25em 0}
.moderation-body>:first-child{margin-top:0}.moderation-body>:last-child{margin-bottom:0}
.moderation-body a{color:var(--a)}
.moderation-text{white-space:pre-wrap}
.pending{border-left:3px dashed var(--m);padding-left:.75em}
button{font:inherit;cursor:pointer;border-radius:var(--r)}
button:disabled{opacity:.6;cursor:default}
.moderation-actions button,.moderation-cancel{background:none;border:0;color:var(--a);padding:.2em .4em;margin-left:-.4em}
.moderation-actions button:hover,.moderation-cancel:hover{text-decoration:underline}
.moderation-more,.moderation-submit{border:1px solid var(--a);padding:.5em 1.1em;background:transparent;color:var(--a)}
.moderation-submit{background:var(--a);color:var(--moderation-accent-text,#fff);font-weight:600;justify-self:start}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.moderation-form{display:grid;gap:.9em;margin-top:2em;max-width:40em}
label{display:block;font-weight:600;margin-bottom:.25em}
input,textarea{box-sizing:border-box;width:100%;font:inherit;color:inherit;background:var(--moderation-input-bg,transparent);border:1px solid var(--m);border-radius:var(--r);padding:.5em .6em}
textarea{min-height:7em;resize:vertical}
[aria-invalid=true]{border-color:var(--e)}
.moderation-error{color:var(--e);font-size:.9em;margin:.3em 0 0}
.moderation-hint{margin:.25em 0 0}
.moderation-replying{margin:0;display:flex;align-items:center;gap:.25em;flex-wrap:wrap}
.moderation-cancel{font-size:1.2em;line-height:1;margin:0}
.moderation-status{margin:0;font-weight:600}
.moderation-nudge{border-left:3px solid var(--moderation-nudge,#e0a800);padding:.25em .75em;display:grid;gap:.5em}
.moderation-nudge p{margin:0}
.moderation-nudge-text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;color:var(--m)}
.moderation-nudge mark{background:var(--moderation-mark,#ffe08a);color:inherit}
.moderation-anyway{justify-self:start;border:1px solid var(--a);padding:.4em 1em;background:transparent;color:var(--a)}
.moderation-required{color:var(--m);font-weight:400;font-size:.875em}
.moderation-counter.over{color:var(--e);font-weight:600}
.moderation-check{display:flex;gap:.5em;align-items:center;font-weight:400}
.moderation-check input{width:auto}
.moderation-report{display:grid;gap:.6em;margin:.5em 0;padding:.75em;border:1px solid var(--l);border-radius:var(--r);max-width:36em}
.moderation-report fieldset{border:0;margin:0;padding:0;display:grid;gap:.25em}
.moderation-report legend{font-weight:600;padding:0;margin-bottom:.25em}
.moderation-report-buttons{display:flex;gap:.5em;flex-wrap:wrap}
.moderation-report-buttons button,.moderation-verify button,.moderation-dismiss{border:1px solid var(--a);padding:.3em .9em;background:transparent;color:var(--a)}
.moderation-outcome{font-weight:600}
.rejected{border-left:3px solid var(--e);padding-left:.75em}
.rejected .moderation-outcome{color:var(--e)}
.moderation-verify{display:grid;gap:.5em;justify-items:start}
.moderation-verify p{margin:0}
.moderation-hp{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;

  // Constructed stylesheets pass a strict Content-Security-Policy (no 'unsafe-inline')
  // on the host page; a <style> element is the fallback for older browsers.
  function styles(root, css) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
      return [];
    } catch (e) {
      const node = document.createElement('style');
      node.textContent = css;
      return [node];
    }
  }

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    for (const k in props || {}) {
      const v = props[k];
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids) if (kid != null && kid !== false) el.append(kid); // strings become text nodes
    return el;
  }

  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  const fmt = (() => {
    try { return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }); } catch (e) { return null; }
  })();
  function when(iso) {
    const d = new Date(iso);
    return h('time', { class: 'moderation-date', datetime: iso || null },
      fmt && !isNaN(d) ? fmt.format(d) : String(iso || ''));
  }

  // Waits before sending a post again when no answer came (network) or the service was
  // briefly unavailable (502-504): the Idempotency-Key makes the retry safe.
  const RETRY_WAITS = [1000, 3000];
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(bytes) : bytes.forEach((_, i) => { bytes[i] = Math.random() * 256; });
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function api(path, init) {
    let res;
    try {
      res = await fetch(API + path, Object.assign({ mode: 'cors', credentials: 'omit' }, init));
    } catch (e) {
      return { ok: false, status: 0, data: null, res: null };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    return { ok: res.ok, status: res.status, data, res };
  }

  function stored(key) {
    try {
      const v = JSON.parse(localStorage.getItem(key));
      return Array.isArray(v) ? v.filter((e) => e && e.id != null) : [];
    } catch (e) { return []; }
  }
  function store(key, list) {
    try {
      if (list.length) localStorage.setItem(key, JSON.stringify(list));
      else localStorage.removeItem(key);
    } catch (e) { /* storage blocked or full: the reader just won't see their pending comment */ }
  }

  function remembered(key) {
    try {
      const v = JSON.parse(localStorage.getItem(key));
      return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
    } catch (e) { return null; }
  }
  function remember(key, value) {
    try {
      if (value == null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage blocked: the reader is asked again next time */ }
  }
  // One key per browser for reporting: one report per reader per comment.
  function readerKey() {
    const k = remembered('moderation:reader');
    if (k && typeof k.key === 'string') return k.key;
    const key = newKey();
    remember('moderation:reader', { key });
    return key;
  }
  const fold = (address) => String(address || '').trim().toLowerCase();
  const codePoints = (text) => Array.from(text.trim()).length; // as the server counts

  function shadowOf(el) {
    if (el.shadowRoot) return el.shadowRoot;
    try { return el.attachShadow({ mode: 'open' }); } catch (e) {
      return el.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
    }
  }

  function mount(el) {
    const site = el.dataset.site || 'default';
    const thread = el.dataset.thread;
    const root = shadowOf(el);
    const S = {
      path: `/sites/${enc(site)}/threads/${enc(thread)}`,
      key: `moderation:pending:${site}:${thread}`,
      reported: `moderation:reported:${site}`, // ids this browser reported
      verified: `moderation:verified:${site}`, // {email, token}: a verified reader's token
      verifying: `moderation:verifying:${site}`, // {email, request, at}: a link sent, not opened yet
      mail: false, limits: { body: 5000 }, watching: null, mountedAt: Date.now(),
      arts: new Map(), // id -> <article>, approved and own
      next: null, parent: null, token: null, tokenAt: 0, hp: 'website', busy: false, attempt: null, nudged: false,
    };

    const count = h('h2', { class: 'moderation-count' }, 'Loading comments\u2026');
    const list = h('ol', { class: 'moderation-list' });
    const notice = h('p', { class: 'moderation-error moderation-notice', role: 'alert', hidden: true });
    const more = h('button', { type: 'button', class: 'moderation-more', hidden: true, onclick: () => loadMore().catch(() => say(notice, 'More comments could not be shown.')) }, 'Load more comments');
    const wrap = h('section', { class: 'moderation' }, count, list, notice, more);
    root.replaceChildren(...styles(root, CSS), wrap);
    if (!thread) {
      count.textContent = 'Comments';
      say(notice, 'Comments are unavailable: the page gives no data-thread.');
      return Promise.resolve();
    }

    // The form.
    const errs = {};
    const field = (name, label, control, hint) => {
      Object.assign(control, { id: 'f-' + name, name, required: true });
      errs[name] = h('p', { class: 'moderation-error', id: 'e-' + name, 'data-for': name, hidden: true });
      const hintEl = hint && h('p', { class: 'moderation-hint', id: 'h-' + name }, hint);
      control.setAttribute('aria-describedby', (hint ? 'h-' + name + ' ' : '') + 'e-' + name);
      control.addEventListener('input', () => clearError(name));
      return h('div', { class: 'moderation-field' },
        h('label', { for: control.id }, label, ' ', h('span', { class: 'moderation-required' }, '(required)')),
        control, hintEl, errs[name]);
    };
    const body = h('textarea', { rows: '5' });
    // A live count of what the server will count; it turns red past the limit.
    const counter = h('span', { class: 'moderation-counter' });
    const countBody = () => {
      const n = codePoints(body.value), max = S.limits.body;
      counter.textContent = n > max ? `${(n - max).toLocaleString()} characters over the limit of ${max.toLocaleString()}`
        : `${n.toLocaleString()} of ${max.toLocaleString()} characters`;
      counter.classList.toggle('over', n > max);
    };
    body.addEventListener('input', countBody);
    const notify = h('input', { type: 'checkbox', id: 'f-notify', name: 'notify_replies' });
    const notifyBox = h('div', { class: 'moderation-field', hidden: true },
      h('label', { class: 'moderation-check', for: 'f-notify' }, notify, 'Notify me by mail when someone replies'));
    const verifyBox = h('div', { class: 'moderation-verify', 'aria-live': 'polite', hidden: true });
    const name = h('input', { type: 'text', autocomplete: 'name' });
    const email = h('input', { type: 'email', autocomplete: 'email' });
    const hp = h('input', { type: 'text', name: S.hp, id: 'f-hp', tabindex: '-1', autocomplete: 'off' });
    const replyName = h('strong', { class: 'moderation-replying-name' });
    const replying = h('p', { class: 'moderation-replying', hidden: true }, 'Replying to ', replyName,
      h('button', { type: 'button', class: 'moderation-cancel', 'aria-label': 'Cancel reply', onclick: () => cancelReply(true) }, '\u00d7'));
    const formError = h('p', { class: 'moderation-error moderation-form-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'moderation-submit' }, 'Post comment');
    // The nudge: a comment that may come across as uncivil is not stored at first; the
    // reader sees why (the words marked) and may change it or post it anyway, once.
    const nudgeMessage = h('p', { class: 'moderation-nudge-message' });
    const nudgeText = h('blockquote', { class: 'moderation-nudge-text' });
    const anyway = h('button', { type: 'button', class: 'moderation-anyway', onclick: () => form.requestSubmit() }, 'Post anyway');
    const nudgeBox = h('div', { class: 'moderation-nudge', role: 'alert', hidden: true }, nudgeMessage, nudgeText, anyway);
    const status = h('p', { class: 'moderation-status', role: 'status', 'aria-live': 'polite' });
    const form = h('form', { class: 'moderation-form', onsubmit: post },
      h('h3', { class: 'moderation-form-title' }, 'Leave a comment'),
      replying,
      field('body', 'Comment', body, counter),
      field('author_name', 'Name', name),
      field('author_email', 'Email', email, 'Never published.'),
      notifyBox,
      h('div', { class: 'moderation-hp', 'aria-hidden': 'true' }, h('label', { for: 'f-hp' }, 'Leave this field empty'), hp),
      formError, nudgeBox, submit, status, verifyBox);
    const refusal = h('p', { class: 'moderation-refusal', hidden: true });
    wrap.append(form, refusal);
    countBody();
    // Now, not at submit: the server times from when the form was served; the answer also
    // says whether this page may post at all, which the reader should know before typing.
    getToken(true);
    resumeVerification();

    function say(p, text) { p.textContent = text; p.hidden = !text; }
    function clearError(n) { say(errs[n], ''); (n === 'body' ? body : n === 'author_name' ? name : email).removeAttribute('aria-invalid'); }

    async function getToken(first) {
      const r = await api(`/sites/${enc(site)}/form-token`, { cache: 'no-store' });
      const d = r.ok && r.data;
      if (!d || !d.token) return;
      S.token = d.token;
      S.tokenAt = Date.now();
      if (d.honeypot) hp.name = S.hp = String(d.honeypot);
      if (!first) return;
      if (d.may_post === false) {
        form.hidden = true;
        say(refusal, typeof d.refusal === 'string' ? d.refusal : 'Comments cannot be posted from this page.');
      }
      S.mail = d.mail === true;
      notifyBox.hidden = !S.mail;
      if (d.limits && Number.isInteger(d.limits.body)) S.limits.body = d.limits.body;
      countBody();
    }

    function comment(c) {
      const id = String(c.id);
      const author = String(c.author_name || 'Anonymous');
      const replies = objects(c.replies);
      const html = h('div', { class: 'moderation-body' });
      html.innerHTML = typeof c.html === 'string' ? c.html : ''; // sanitised server-side
      const reply = h('button', { type: 'button', class: 'moderation-reply', 'aria-label': 'Reply to ' + author }, 'Reply');
      reply.onclick = () => {
        S.parent = { id: Number(c.id), button: reply };
        replyName.textContent = author;
        replying.hidden = false;
        body.focus();
      };
      const flag = h('button', { type: 'button', class: 'moderation-flag', 'aria-label': 'Report this post by ' + author }, 'Report');
      const actions = h('div', { class: 'moderation-actions' }, reply, flag);
      const art = h('article', { class: 'moderation-comment', 'data-id': id, tabindex: '-1' },
        h('header', { class: 'moderation-meta' }, h('span', { class: 'moderation-author' }, author), when(c.created_at)),
        html, actions);
      if (stored(S.reported).some((e) => String(e.id) === id)) reported(flag);
      flag.onclick = () => openReport(art, actions, flag, Number(c.id));
      if (replies.length) {
        const ol = h('ol', { class: 'moderation-replies', id: 'r-' + id }, ...replies.map(item));
        const n = replies.reduce(function total(t, r) { return objects(r.replies).reduce(total, t) + 1; }, 0);
        const label = (open) => (open ? 'Hide ' : 'Show ') + plural(n, 'reply', 'replies');
        const toggle = h('button', { type: 'button', class: 'moderation-toggle', 'aria-expanded': 'true', 'aria-controls': ol.id }, label(true));
        toggle.onclick = () => {
          ol.hidden = !ol.hidden;
          toggle.setAttribute('aria-expanded', String(!ol.hidden));
          toggle.textContent = label(!ol.hidden);
        };
        actions.append(toggle);
        art.append(ol);
      }
      const old = S.arts.get(id); // a pending copy shown earlier: the approved one replaces it
      if (old && old.parentNode) old.parentNode.remove();
      S.arts.set(id, art);
      return art;
    }
    function reported(flag) {
      flag.disabled = true;
      flag.textContent = 'Reported';
    }

    // Report: a reason (and a few words, needed for "something else"), sent once per
    // reader; the desk sees it when enough readers report the comment.
    function openReport(art, actions, flag, id) {
      const open = art.querySelector(':scope > .moderation-report');
      if (open) return open.querySelector('input').focus();
      const n = art.dataset.id;
      const radios = REASONS.map(([value, label]) => h('label', { class: 'moderation-check' },
        h('input', { type: 'radio', name: 'reason-' + n, value }), label));
      const note = h('textarea', { id: 'report-note-' + n, rows: '2', maxlength: '500' });
      const error = h('p', { class: 'moderation-error', role: 'alert', hidden: true });
      const send = h('button', { type: 'submit' }, 'Send report');
      const box = h('form', { class: 'moderation-report', 'aria-label': 'Report this comment' },
        h('fieldset', null, h('legend', null, 'Why should the desk look at this comment?'), ...radios),
        h('div', null, h('label', { for: note.id }, 'Details ', h('span', { class: 'moderation-required' }, '(needed for \u201csomething else\u201d)')), note),
        error,
        h('div', { class: 'moderation-report-buttons' }, send,
          h('button', { type: 'button', onclick: () => { box.remove(); flag.focus(); } }, 'Cancel')));
      box.onsubmit = async (ev) => {
        ev.preventDefault();
        const chosen = radios.map((l) => l.firstChild).find((r) => r.checked);
        if (!chosen) return say(error, 'Please choose a reason.');
        if (chosen.value === 'other' && !note.value.trim()) return say(error, 'Please say in a few words what is wrong.');
        send.disabled = true;
        const report = { reason: chosen.value, note: note.value.trim(), reader: readerKey() };
        if (email.value.trim() && email.checkValidity()) report.email = email.value.trim();
        const r = await api(`/sites/${enc(site)}/comments/${id}/flags`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(report),
        });
        send.disabled = false;
        const err = (r.data && r.data.error) || {};
        if (r.status === 202 || r.status === 409) { // 409: this reader reported it already
          store(S.reported, stored(S.reported).concat({ id }).slice(-500));
          reported(flag);
          const thanks = h('p', { class: 'moderation-note moderation-report-thanks', tabindex: '-1' },
            String((r.data && r.data.message) || err.message || 'Thank you.'));
          box.replaceWith(thanks);
          thanks.focus();
          return;
        }
        say(error, typeof err.message === 'string' && err.message ? err.message
          : r.status === 429 ? 'You are reporting too quickly. Please try again in a minute.'
          : `The report could not be sent (error ${r.status || 'no answer'}). Please try again.`);
      };
      actions.after(box);
      radios[0].firstChild.focus();
    }

    function objects(a) { return Array.isArray(a) ? a.filter((c) => c && typeof c === 'object') : []; }
    function item(c) { return h('li', { class: 'moderation-item' }, comment(c)); }

    function append(comments) {
      const own = list.querySelector(':scope > .moderation-own'); // keep own comments last
      const items = objects(comments).map(item);
      items.forEach((li) => list.insertBefore(li, own));
      return items[0] && items[0].firstChild;
    }

    // What the reader is told of their own comment, where it was: awaiting moderation,
    // published, or not published with the desk's reason and message.
    function outcome(e, st) {
      if (st.status === 'approved') return h('span', { class: 'moderation-outcome' }, 'Published');
      if (st.status !== 'rejected') return h('span', { class: 'moderation-note' }, 'Awaiting moderation');
      const why = typeof st.reason_text === 'string' && st.reason_text ? ': ' + st.reason_text : '';
      const said = typeof st.message === 'string' && st.message ? ' \u2013 ' + st.message : '';
      return h('span', { class: 'moderation-outcome' }, 'Not published' + why + said,
        ' ', h('button', { type: 'button', class: 'moderation-dismiss', onclick: () => dismiss(e.id) }, 'Dismiss'));
    }
    function dismiss(id) {
      store(S.key, stored(S.key).filter((e) => e.id !== id));
      const art = S.arts.get(String(id));
      S.arts.delete(String(id));
      if (art) art.parentNode.remove();
      status.textContent = 'Dismissed.';
    }

    function showOwn(e, st) {
      const old = S.arts.get(String(e.id));
      if (old && !old.classList.contains('moderation-own-comment')) return; // the published copy is on screen
      const art = h('article', { class: 'moderation-comment moderation-own-comment ' + (st.status === 'approved' ? '' : st.status === 'rejected' ? 'rejected' : 'pending'), 'data-id': String(e.id), tabindex: '-1' },
        h('header', { class: 'moderation-meta' }, h('span', { class: 'moderation-author' }, String(e.author_name || '')),
          when(e.created_at), outcome(e, st)),
        h('div', { class: 'moderation-body moderation-text' }, String(e.body || '')));
      S.arts.set(String(e.id), art);
      if (old) return old.replaceWith(art);
      const li = h('li', { class: 'moderation-item moderation-own' }, art);
      const parent = e.parent_id != null && S.arts.get(String(e.parent_id));
      if (!parent) return list.append(li);
      let ol = parent.querySelector(':scope > .moderation-replies');
      if (!ol) ol = parent.appendChild(h('ol', { class: 'moderation-replies' }));
      if (ol.hidden) parent.querySelector(':scope > .moderation-actions > .moderation-toggle').click();
      ol.append(li);
    }

    // The reader's own comments not (yet) in the thread: each asked after with its status
    // token. A published one is forgotten once said; a rejected one stays, with its
    // reason, until the reader dismisses it (or after KEEP).
    async function checkPending() {
      const now = Date.now();
      const all = stored(S.key);
      const entries = all.filter((e) => now - Date.parse(e.created_at) < KEEP);
      const done = new Set(all.filter((e) => !entries.includes(e)).map((e) => e.id));
      const shown = await Promise.all(entries.map(async (e) => {
        const on = S.arts.get(String(e.id));
        if (on && !on.classList.contains('moderation-own-comment')) return done.add(e.id) && null; // published, on screen
        const r = await api('/status/' + enc(e.status_token || ''), { cache: 'no-store' });
        const st = (r.ok && r.data) || {};
        if (r.status >= 400 && r.status < 500 && r.status !== 429) return done.add(e.id) && null; // unknown token
        if (st.status === 'approved') done.add(e.id); // said once, where it was
        return [e, st]; // or we could not ask: shown as awaiting
      }));
      shown.forEach((pair) => pair && showOwn(pair[0], pair[1]));
      store(S.key, stored(S.key).filter((e) => !done.has(e.id))); // re-read: a post may have landed meanwhile
      return shown.some((pair) => pair && !['approved', 'rejected'].includes(pair[1].status));
    }

    // While the page is open and visible, ask again now and then: the reader sees the
    // outcome without reloading. Stops after WATCH_FOR, or when nothing waits.
    function watch() {
      if (S.watching) return;
      S.watching = setInterval(async () => {
        if (document.visibilityState === 'hidden') return;
        const waiting = await checkPending().catch(() => true);
        if (!waiting || Date.now() - S.mountedAt > WATCH_FOR) {
          clearInterval(S.watching);
          S.watching = null;
        }
      }, WATCH_EVERY);
    }

    function setNext(next) {
      S.next = next || null;
      more.hidden = !S.next;
    }

    async function loadFirst() {
      say(notice, '');
      const r = await api(S.path + `/comments?limit=${PAGE}`);
      const d = r.data;
      if (!r.ok || !d || !Array.isArray(d.comments)) {
        count.textContent = 'Comments';
        say(notice, 'Comments could not be loaded. ');
        notice.append(h('button', { type: 'button', class: 'moderation-retry', onclick: start }, 'Try again'));
        return;
      }
      const n = Number(d.count);
      count.textContent = plural(Number.isFinite(n) ? n : d.comments.length, 'comment', 'comments');
      count.dataset.count = String(Number.isFinite(n) ? n : d.comments.length);
      list.replaceChildren();
      S.arts.clear();
      append(d.comments);
      setNext(d.next);
      if (d.closed === true || d.open === false) {
        form.hidden = true;
        wrap.append(h('p', { class: 'moderation-closed' }, 'Comments are closed.'));
      }
      if (await checkPending()) watch();
    }

    async function loadMore() {
      if (!S.next) return;
      more.disabled = true;
      more.textContent = 'Loading\u2026';
      const r = await api(S.path + `/comments?limit=${PAGE}&after=${enc(S.next)}`);
      more.disabled = false;
      more.textContent = 'Load more comments';
      if (!r.ok || !r.data || !Array.isArray(r.data.comments)) {
        say(notice, 'More comments could not be loaded. Please try again.');
        return;
      }
      say(notice, '');
      const first = append(r.data.comments);
      setNext(r.data.next);
      if (more.hidden && first) first.focus(); // the focused button just disappeared
    }

    function cancelReply(refocus) {
      const p = S.parent;
      S.parent = null;
      replying.hidden = true;
      replyName.textContent = '';
      if (refocus) (p && p.button.isConnected ? p.button : body).focus();
    }

    // The text with the words the service named (UTF-16 offsets, as JavaScript indexes
    // strings) in <mark>, built as nodes: nothing of it is parsed as HTML.
    function marked(text, words) {
      const out = [];
      let at = 0;
      objects(words).slice().sort((a, b) => a.start - b.start).forEach((w) => {
        const s = Number(w.start), e = Number(w.end);
        if (!(Number.isInteger(s) && Number.isInteger(e) && at <= s && s < e && e <= text.length)) return;
        out.push(text.slice(at, s), h('mark', null, text.slice(s, e)));
        at = e;
      });
      out.push(text.slice(at));
      return out;
    }

    function nudge(err, text) {
      S.nudged = true; // asked once: the next post of this comment goes through
      nudgeMessage.textContent = typeof err.message === 'string' ? err.message : 'Would you like to change your comment?';
      nudgeText.replaceChildren(...marked(text, err.words));
      nudgeBox.hidden = false;
      anyway.focus();
    }

    function fail(r) {
      const err = (r.data && r.data.error) || {};
      const retry = r.res && r.res.headers.get('Retry-After');
      let msg = typeof err.message === 'string' && err.message ? err.message
        // A network failure and a refused cross-origin request look alike to a script.
        : r.status === 0 ? 'Your comment could not be sent: the comment service could not be reached or does not accept comments from this page. Please try again later.'
        : r.status === 413 ? 'Your comment is too long.'
        : r.status === 429 ? 'You are commenting too quickly.'
        : `Your comment could not be sent (error ${r.status}). Please try again.`;
      if (r.status === 429 && /^\d+$/.test(retry || '') && !/\d/.test(msg)) msg += ` Please try again in ${retry} seconds.`;
      if (err.field === 'form_token') S.token = null; // fetch a fresh one next time
      const control = { body, author_name: name, author_email: email }[err.field];
      if (control) {
        say(errs[err.field], msg);
        control.setAttribute('aria-invalid', 'true');
        control.focus();
      } else {
        say(formError, msg);
      }
    }

    async function post(ev) {
      ev.preventDefault();
      if (S.busy) return;
      ['body', 'author_name', 'author_email'].forEach(clearError);
      say(formError, '');
      status.textContent = '';
      const blank = [[body, 'body', 'Please write a comment.'], [name, 'author_name', 'Please enter your name.']]
        .find(([c]) => !c.value.trim());
      if (blank) return fail({ status: 422, data: { error: { field: blank[1], message: blank[2] } } });
      S.busy = submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      try {
        if (!S.token || Date.now() - S.tokenAt > TOKEN_AGE) await getToken();
        const payload = {
          author_name: name.value.trim(),
          author_email: email.value.trim(),
          body: body.value,
          thread_url: el.dataset.url || location.href.split('#')[0],
          thread_title: el.dataset.title || document.title,
          form_token: S.token || '',
        };
        payload[S.hp] = hp.value;
        if (S.nudged) payload.nudged = '1';
        if (S.mail && notify.checked) payload.notify_replies = '1';
        const verified = remembered(S.verified);
        if (verified && verified.email === fold(payload.author_email)) payload.reader_token = String(verified.token);
        if (S.parent) payload.parent_id = S.parent.id;
        // One Idempotency-Key per comment: a retry of the same comment (ours after a lost
        // answer, or the reader's click after a failure) can never store it twice.
        const same = JSON.stringify([payload.author_name, payload.author_email, payload.body, payload.parent_id]);
        if (!S.attempt || S.attempt.same !== same) S.attempt = { same, key: newKey() };
        const send = () => api(S.path + '/comments', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': S.attempt.key },
          body: JSON.stringify(payload),
        });
        let r = await send();
        for (const wait of RETRY_WAITS) {
          if (r.status !== 0 && r.status < 502) break; // answered: no blind retry needed
          await new Promise((done) => setTimeout(done, wait));
          r = await send();
        }
        const err = r.data && r.data.error;
        if (r.status === 422 && err && err.code === 'nudge') return nudge(err, payload.body);
        if (!r.ok || !r.data || r.data.id == null) return fail(r);
        S.attempt = null;
        S.nudged = false;
        S.token = null; // a token is accepted once: the next comment gets its own
        getToken();
        nudgeBox.hidden = true;
        const d = r.data;
        const entry = {
          id: d.id, status_token: d.status_token, author_name: payload.author_name, body: payload.body,
          parent_id: payload.parent_id == null ? null : payload.parent_id, created_at: new Date().toISOString(),
        };
        body.value = '';
        countBody();
        cancelReply(false);
        showOwn(entry, { status: d.status });
        if (d.status === 'approved') {
          status.textContent = 'Thanks! Your comment has been published.';
        } else {
          store(S.key, stored(S.key).concat(entry));
          status.textContent = 'Thanks! Your comment is awaiting moderation.';
          watch();
        }
        if (!payload.reader_token) offerVerification(payload.author_email);
      } catch (e) {
        say(formError, 'Something went wrong. Please try again.');
      } finally {
        S.busy = submit.disabled = false;
        form.removeAttribute('aria-busy');
      }
    }

    // Verified readers: after a post, the widget offers to verify the address by a mailed
    // link; it then asks now and then whether the link was opened and keeps the signed
    // reader token it gets, which later posts carry (trust rests on it, never on an
    // address typed in the form).
    function offerVerification(address) {
      const pending = remembered(S.verifying);
      if (!S.mail || !address || (pending && pending.email === fold(address))) return;
      const ask = h('button', { type: 'button' }, 'Verify my email address');
      verifyBox.replaceChildren(
        h('p', null, 'Verify your email address, and once the desk knows you, your comments can be published without waiting.'), ask);
      verifyBox.hidden = false;
      ask.onclick = async () => {
        ask.disabled = true;
        const r = await api(`/sites/${enc(site)}/readers/verification`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ email: address }),
        });
        const err = (r.data && r.data.error) || {};
        if (r.status !== 202 || !r.data || typeof r.data.request !== 'string') {
          ask.disabled = false;
          return verifyBox.replaceChildren(h('p', { class: 'moderation-error' },
            String(err.message || 'The link could not be sent. Please try again later.')), ask);
        }
        remember(S.verifying, { email: fold(address), request: r.data.request, at: Date.now() });
        verifyBox.replaceChildren(h('p', null, String(r.data.message || 'We sent you a link.')));
        resumeVerification();
      };
    }

    function resumeVerification() {
      const pending = remembered(S.verifying);
      if (!pending || typeof pending.request !== 'string') return;
      if (Date.now() - Number(pending.at) > VERIFY_FOR) return remember(S.verifying, null);
      const poll = async () => {
        if (document.visibilityState === 'hidden') return setTimeout(poll, VERIFY_EVERY);
        const r = await api(`/sites/${enc(site)}/readers/token?request=${enc(pending.request)}`, { cache: 'no-store' });
        if (r.status === 200 && r.data && typeof r.data.reader_token === 'string') {
          remember(S.verified, { email: pending.email, token: r.data.reader_token });
          remember(S.verifying, null);
          verifyBox.replaceChildren(h('p', null, 'Your email address is verified. Thank you.'));
          verifyBox.hidden = false;
          return;
        }
        if (r.status === 404) return remember(S.verifying, null); // expired
        if (Date.now() - Number(pending.at) < VERIFY_FOR) setTimeout(poll, VERIFY_EVERY);
      };
      setTimeout(poll, VERIFY_EVERY);
    }

    function start() { return loadFirst().catch(() => say(notice, 'Comments could not be shown.')); }
    return start();
  }

  function render(el) {
    if (el) return mount(el);
    return Promise.all(Array.from(document.querySelectorAll(SELECTOR), mount));
  }

  window.ModerationEmbed = { render };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => render());
  else render();
})();
