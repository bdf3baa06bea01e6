/* Recent comments box: <div data-recent-comments data-site="..." data-limit="5"></div>
   <script src="https://<service>/recent.js" async></script>
   Only the server-sanitised `html` is parsed as HTML; names and titles go in as text. */
(() => {
  'use strict';

  const me = document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).reverse()
      .find((s) => /\/recent\.js([?#]|$)/.test(s.src));
  const originOf = (u) => { try { return new URL(u, location.href).origin; } catch (e) { return ''; } };
  const API = ((me && me.dataset.base) || originOf(me && me.src) || location.origin)
    .replace(/\/+$/, '') + '/api/v1';

  const CSS = `
:host{display:block;--a:var(--moderation-accent,#1a5fb4);--m:var(--moderation-muted,#6b6b6b);font-family:var(--moderation-font);color:var(--moderation-text)}
[hidden]{display:none!important}
.moderation-recent{list-style:none;margin:0;padding:0;line-height:1.45;text-align:start;background:var(--moderation-bg,transparent);border-radius:var(--moderation-radius,6px)}
li{margin:0 0 1em}
.moderation-meta{margin:0;font-size:.9em}
.moderation-author{font-weight:600}
a{color:var(--a)}
a:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.moderation-date{display:block;font-size:.85em;color:var(--m)}
.moderation-body{margin:.25em 0 0;overflow:hidden;overflow-wrap:anywhere;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:4}
.moderation-body p{margin:0 0 .25em}
.moderation-empty,.moderation-error{margin:0;color:var(--m)}
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

  function h(tag, cls, ...kids) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    for (const kid of kids) if (kid != null) el.append(kid); // strings become text nodes
    return el;
  }

  function httpUrl(u) {
    try {
      const url = new URL(String(u));
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) { return null; }
  }

  const fmt = (() => {
    try { return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }); } catch (e) { return null; }
  })();

  function entry(c) {
    const title = String(c.thread_title || c.thread || 'an article');
    const href = httpUrl(c.thread_url);
    let thread;
    if (href) {
      thread = h('a', 'moderation-thread', title);
      thread.href = href;
    } else {
      thread = h('span', 'moderation-thread', title);
    }
    const d = new Date(c.created_at);
    const time = h('time', 'moderation-date', fmt && !isNaN(d) ? fmt.format(d) : String(c.created_at || ''));
    if (c.created_at) time.setAttribute('datetime', String(c.created_at));
    const body = h('div', 'moderation-body');
    body.innerHTML = typeof c.html === 'string' ? c.html : ''; // sanitised server-side
    const li = h('li', 'moderation-recent-item',
      h('p', 'moderation-meta', h('span', 'moderation-author', String(c.author_name || 'Anonymous')), ' on ', thread, time),
      body);
    if (c.id != null) li.dataset.id = String(c.id);
    return li;
  }

  async function mount(el) {
    const site = el.dataset.site;
    const limit = Math.min(Math.max(parseInt(el.dataset.limit, 10) || 5, 1), 50);
    let root = el.shadowRoot;
    if (!root) {
      try { root = el.attachShadow({ mode: 'open' }); } catch (e) {
        root = el.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
      }
    }
    const show = (node) => root.replaceChildren(...styles(root, CSS), node);
    let data = null;
    try {
      const r = await fetch(`${API}/sites/${encodeURIComponent(site)}/comments/recent?limit=${limit}`,
        { mode: 'cors', credentials: 'omit' });
      if (r.ok) data = await r.json();
    } catch (e) { /* shown below */ }
    const comments = data && Array.isArray(data.comments)
      ? data.comments.filter((c) => c && typeof c === 'object').slice(0, limit) : null;
    if (!comments) return show(h('p', 'moderation-error', 'Recent comments could not be loaded.'));
    if (!comments.length) return show(h('p', 'moderation-empty', 'No comments yet.'));
    show(h('ol', 'moderation-recent', ...comments.map(entry)));
  }

  function render(el) {
    if (el) return mount(el);
    return Promise.all(Array.from(document.querySelectorAll('[data-recent-comments][data-site]'), mount));
  }

  window.ModerationRecent = { render };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => render());
  else render();
})();
