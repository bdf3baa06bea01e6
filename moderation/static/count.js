/* Comment counts: <a data-comment-count data-site="..." data-thread="...">Comments</a>
   <script src="https://<service>/count.js" async></script>
   Sets each element's text to "N comments" (and data-count="N"); leaves it alone on error. */
(() => {
  'use strict';

  const me = document.currentScript ||
    Array.from(document.querySelectorAll('script[src]')).reverse()
      .find((s) => /\/count\.js([?#]|$)/.test(s.src));
  const originOf = (u) => { try { return new URL(u, location.href).origin; } catch (e) { return ''; } };
  const API = ((me && me.dataset.base) || originOf(me && me.src) || location.origin)
    .replace(/\/+$/, '') + '/api/v1';
  const CHUNK = 50; // threads per request

  function fill(els, counts) {
    for (const [thread, nodes] of els) {
      const raw = counts[thread];
      const n = Number.isInteger(raw) && raw >= 0 ? raw : 0; // a thread nobody commented on yet
      for (const el of nodes) {
        el.textContent = n + (n === 1 ? ' comment' : ' comments');
        el.dataset.count = String(n);
      }
    }
  }

  function render() {
    const sites = new Map(); // site -> Map(thread -> [elements])
    for (const el of document.querySelectorAll('[data-comment-count][data-site][data-thread]')) {
      const { site, thread } = el.dataset;
      if (!site || !thread) continue;
      if (!sites.has(site)) sites.set(site, new Map());
      const threads = sites.get(site);
      if (!threads.has(thread)) threads.set(thread, []);
      threads.get(thread).push(el);
    }
    const requests = [];
    for (const [site, threads] of sites) {
      const all = Array.from(threads);
      for (let i = 0; i < all.length; i += CHUNK) {
        const chunk = all.slice(i, i + CHUNK);
        const query = chunk.map(([t]) => 'thread=' + encodeURIComponent(t)).join('&');
        requests.push(
          fetch(`${API}/sites/${encodeURIComponent(site)}/counts?${query}`, { mode: 'cors', credentials: 'omit' })
            .then((r) => (r.ok ? r.json() : null))
            .then((d) => { if (d && d.counts && typeof d.counts === 'object') fill(chunk, d.counts); })
            .catch(() => { /* keep whatever the page had */ }));
      }
    }
    return Promise.all(requests);
  }

  window.ModerationCount = { render };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => render());
  else render();
})();
