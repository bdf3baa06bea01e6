"""Does any script run? Load a page in Chromium, fire the events that payloads hang on
(mouseover, focus, click, load, ...) on every element, shadow roots and frames included,
and count the calls of alert/confirm/prompt/print that code made.

Those functions are replaced, in every frame before any of its scripts, by a recorder that
reports to the test and returns at once: a payload that alerts in a loop cannot stall the
page, and one frame's origin does not hide another's report."""

RECORDER = """
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  const report = (message) => { window.__xssReport(name + ': ' + String(message).slice(0, 80)); };
  try { Object.defineProperty(window, name, {value: report, writable: false}); } catch (e) {}
}
"""

# Runs in the page: every element gets the events; links may only run javascript: URLs
# (any other navigation is cancelled so the page stays put); forms never submit.
TRIGGER = """
() => {
  const events = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'click',
                  'dblclick', 'focus', 'focusin', 'blur', 'load', 'error', 'input', 'change',
                  'keydown', 'keyup', 'pointerover', 'pointerdown', 'animationstart',
                  'transitionend', 'toggle', 'scroll', 'wheel', 'copy', 'paste', 'drag'];
  const guard = (event) => {
    const link = event.target.closest && event.target.closest('a[href]');
    if (link && !/^\\s*javascript:/i.test(link.getAttribute('href'))) event.preventDefault();
  };
  const visit = (root) => {
    root.addEventListener('click', guard, true);
    root.addEventListener('submit', (e) => e.preventDefault(), true);
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (el.matches('button, input[type=submit], form, select, textarea, input')) continue;
      for (const type of events) {
        // A MouseEvent click runs a link's activation behaviour (javascript: URLs).
        const make = /^(mouse|click|dblclick)/.test(type) ? MouseEvent : Event;
        try { el.dispatchEvent(new make(type, {bubbles: true, cancelable: true})); } catch (e) {}
      }
      try { el.focus(); } catch (e) {}
    }
  };
  visit(document);
  return document.querySelectorAll('*').length;
}
"""


class Watch:
    """Records script calls in every frame of every page of a browser context (and, as a
    backstop, any dialog that still opens)."""

    def __init__(self, context):
        self.hits: list[str] = []
        context.expose_function("__xssReport", lambda message: self.hits.append(message))
        context.add_init_script(RECORDER)
        # Nothing leaves the machine: payloads that load remote scripts fail at once
        # instead of waiting for a network that is not there.
        context.route("**/*", _local_only)
        context.on("page", lambda page: page.on("dialog", self._on_dialog))

    def _on_dialog(self, dialog):
        self.hits.append(f"{dialog.type}: {dialog.message[:80]}")
        try:
            dialog.dismiss()
        except Exception:  # the frame may be gone already
            pass


def _local_only(route):
    url = route.request.url
    if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


def fire_everything(page, settle_ms: int = 300) -> None:
    """Trigger events in every frame, then let timers and navigations run."""
    page.wait_for_timeout(settle_ms)
    for frame in list(page.frames):
        try:
            frame.evaluate(TRIGGER)
        except Exception:  # a frame navigated away or was removed while we worked
            pass
    page.wait_for_timeout(settle_ms)


def bisect(items: list, runs_script) -> list:
    """The items that run script on their own, found by halving a batch that does."""
    if not items or not runs_script(items):
        return []
    if len(items) == 1:
        return items
    half = len(items) // 2
    return bisect(items[:half], runs_script) + bisect(items[half:], runs_script)
