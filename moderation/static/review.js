// The moderators' keyboard and undo. Undo works by holding an action in the page for a
// few seconds before it is sent (like mail's "undo send"): the state machine never needs
// an approved -> pending move, and nothing reaches the reader until the window closes.
//
// An action that leaves the page (its window closing, or the moderator leaving it) is
// written to localStorage before it is sent, and removed only when the server has
// answered. The next page of this moderator sends whatever is left again (the server
// takes the same action from the same version as already done) and says clearly what
// could not be delivered, with "Send again": a decision is never lost silently.
(function () {
  "use strict";

  const OUTBOX = "moderation.outbox";
  const me = document.body.dataset.moderator || "";
  const csrf = document.body.dataset.csrf || "";

  function outbox() {
    try { return JSON.parse(window.localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(entries) {
    try { window.localStorage.setItem(OUTBOX, JSON.stringify(entries)); } catch (e) { /* full or off */ }
  }
  function keep(entry) {
    saveOutbox(outbox().filter(function (e) { return e.id !== entry.id; }).concat([entry]));
  }
  function forget(entry) {
    saveOutbox(outbox().filter(function (e) { return e.id !== entry.id; }));
  }

  // An action as the bulk endpoint takes it: fields as [name, value] pairs.
  function entryFor(url, label, fields) {
    return {id: Date.now() + "-" + Math.random().toString(36).slice(2), me: me, url: url,
            label: label, fields: fields, at: new Date().toISOString()};
  }

  // POST the entry; keepalive lets the request outlive the page. Resolves with the
  // server's answer {results: [...]} once it is stored, when the entry is forgotten.
  function deliver(entry, keepalive) {
    const body = new FormData();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(entry.url, {method: "POST", body: body, credentials: "same-origin",
                             keepalive: keepalive === true, headers: {"Accept": "application/json"}})
      .then(function (response) {
        const type = response.headers.get("Content-Type") || "";
        if (type.indexOf("json") < 0) throw new Error("the server answered " + response.status);
        return response.json().then(function (answer) {
          if (answer.error) throw new Error(answer.error);
          if (!response.ok) throw new Error("the server answered " + response.status);
          forget(entry);
          return answer;
        });
      });
  }

  function refusals(answer) {
    return answer.results.filter(function (r) { return !r.ok; })
      .map(function (r) { return "item " + r.id + ": " + r.error; });
  }

  // A clear, lasting message at the top of the page about one undelivered action.
  function report(entry, message, canRetry) {
    let box = document.getElementById("undelivered");
    if (!box) {
      box = document.createElement("div");
      box.id = "undelivered";
      box.setAttribute("role", "alert");
      const main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    let line = box.querySelector('[data-entry="' + entry.id + '"]');
    if (!line) {
      line = document.createElement("p");
      line.className = "flash error undelivered";
      line.dataset.entry = entry.id;
      box.appendChild(line);
    }
    line.textContent = "Not delivered: " + entry.label + " (" + message + "). ";
    if (canRetry) {
      const again = document.createElement("button");
      again.type = "button";
      again.textContent = "Send again";
      again.addEventListener("click", function () { resend(entry, line); });
      line.appendChild(again);
    }
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.textContent = canRetry ? "Discard it" : "Dismiss";
    drop.addEventListener("click", function () { forget(entry); line.remove(); });
    line.appendChild(drop);
  }

  function resend(entry, line) {
    // This page's CSRF token: the one saved with the entry may belong to an older session.
    entry.fields = entry.fields.map(function (pair) {
      return pair[0] === "csrf_token" && csrf ? ["csrf_token", csrf] : pair;
    });
    deliver(entry, false).then(function (answer) {
      const refused = refusals(answer);
      if (refused.length) report(entry, "not applied: " + refused.join("; "), false);
      else if (line) { line.textContent = "Delivered: " + entry.label + "."; line.className = "flash ok"; }
    }).catch(function (error) { report(entry, error.message, true); });
  }

  // What an earlier page of this moderator could not confirm. A request sent as that
  // page closed may still be on its way: give it a moment before sending again.
  function recover() {
    if (!me) return;
    const left = outbox().filter(function (e) { return e.me === me; });
    if (!left.length) return;
    window.setTimeout(function () {
      left.forEach(function (entry) { resend(entry, null); });
    }, 800);
  }
  recover();
  window.addEventListener("pageshow", function (event) { if (event.persisted) recover(); });

  const toast = document.getElementById("toast");
  const help = document.getElementById("help-dialog");
  let held = null; // {timer, send, cancel}: the one action still inside its undo window

  function say(text, canUndo) {
    if (!toast) return;
    toast.querySelector(".toast-text").textContent = text;
    toast.querySelector(".toast-undo").hidden = !canUndo;
    toast.hidden = false;
  }

  // Hold `send` for `ms`; a newer action sends the held one at once (only the last can
  // be undone). `cancel` puts the page back as it was.
  function hold(ms, text, send, cancel) {
    flush();
    held = {send: send, cancel: cancel, timer: window.setTimeout(function () { flush(false); }, ms)};
    say(text, true);
  }

  // Send the held action now; `leaving` asks for a beacon, which outlives the page.
  function flush(leaving) {
    if (!held) return;
    const action = held;
    held = null;
    window.clearTimeout(action.timer);
    action.send(leaving === true);
  }

  function undo() {
    if (!held) return;
    const action = held;
    held = null;
    window.clearTimeout(action.timer);
    action.cancel();
    say("Undone: nothing was sent.", false);
  }

  if (toast) toast.querySelector(".toast-undo").addEventListener("click", undo);

  function typing(event) {
    const tag = event.target.tagName;
    return event.ctrlKey || event.metaKey || event.altKey ||
      tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable;
  }

  function dialogOpen() {
    return Array.from(document.querySelectorAll("dialog")).some(function (d) { return d.open; });
  }

  const queue = document.getElementById("queue");
  if (queue) queuePage(queue);
  const itemPage = document.getElementById("item-page");
  if (itemPage) itemDetail(itemPage);
  document.querySelectorAll("[data-help]").forEach(function (button) {
    button.addEventListener("click", function () { help.showModal(); });
  });

  function queuePage(root) {
    const undoMs = Number(root.dataset.undoMs);
    const allowed = root.dataset.allowed.split(" ").filter(Boolean);
    const me = Number(root.dataset.me);
    const labels = {approve: "Approved", reject: "Rejected", spam: "Marked as spam",
                    not_spam: "Marked as not spam"};
    const keys = {a: "approve", r: "reject", s: "spam", n: "not_spam"};
    const reasonDialog = document.getElementById("reason-dialog");
    let since = Number(root.dataset.since);
    let current = null;

    function rows() {
      return Array.from(root.querySelectorAll("tr.queue-item:not(.gone)"));
    }
    function live(row) { return !row.classList.contains("held") && !row.classList.contains("decided"); }

    function focus(row) {
      if (current) current.classList.remove("current");
      current = row;
      if (row) {
        row.classList.add("current");
        row.scrollIntoView({block: "nearest"});
      }
    }

    function move(step) {
      const all = rows();
      if (!all.length) return;
      const at = all.indexOf(current);
      focus(all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))]);
    }

    function selected() {
      const chosen = rows().filter(function (r) { return r.querySelector(".select").checked && live(r); });
      if (chosen.length) return chosen;
      return current && live(current) ? [current] : [];
    }

    function countSelected() {
      const n = rows().filter(function (r) { return r.querySelector(".select").checked; }).length;
      root.querySelector(".selected-count").textContent = n + " selected";
    }

    function state(row, text) { row.querySelector(".state").textContent = text; }

    function act(action, extra) {
      if (allowed.indexOf(action) < 0) {
        say("That action is not possible in the " + root.dataset.status + " queue.", false);
        return;
      }
      const targets = selected();
      if (!targets.length) {
        say("Nothing to act on: move to an item with j/k or select some with x.", false);
        return;
      }
      targets.forEach(function (row) { row.classList.add("held"); state(row, labels[action] + "…"); });
      const what = labels[action] + " " + (targets.length === 1 ? "item " + targets[0].dataset.id
                                                                 : targets.length + " items");
      hold(undoMs, what + ".", function (leaving) { send(action, targets, extra, leaving, what); }, function () {
        targets.forEach(function (row) { row.classList.remove("held"); state(row, ""); });
        focus(targets[0]);
      });
      const after = rows().filter(live);
      focus(after.length ? after[Math.min(after.length - 1, Math.max(0, rows().indexOf(targets[0])))] : null);
    }

    function payload(action, targets, extra) {
      const fields = [["csrf_token", root.dataset.csrf], ["action", action],
                      ["items", targets.map(function (r) { return r.dataset.id + ":" + r.dataset.version; }).join(",")]];
      Object.keys(extra || {}).forEach(function (k) { fields.push([k, extra[k]]); });
      return fields;
    }

    function send(action, targets, extra, leaving, what) {
      const entry = entryFor(root.dataset.decideUrl, what, payload(action, targets, extra));
      keep(entry);
      const sent = deliver(entry, true);
      if (leaving) return;
      sent
        .then(function (answer) {
          const failed = [];
          answer.results.forEach(function (result) {
            const row = root.querySelector('tr.queue-item[data-id="' + result.id + '"]');
            if (!row) return;
            row.classList.remove("held");
            row.querySelector(".select").checked = false;
            if (result.ok) {
              row.classList.add("gone", "done");
              row.dataset.version = result.version;
            } else {
              row.classList.add("refused");
              state(row, result.error);
              failed.push(result.error);
            }
          });
          countSelected();
          if (current && current.classList.contains("gone")) move(1);
          say(failed.length ? "Not applied: " + failed.join("; ") : labels[action] + ": done.", false);
          poll();
        })
        .catch(function (error) {
          targets.forEach(function (row) { row.classList.remove("held"); state(row, "not sent"); });
          say("Nothing was applied: " + error.message + ".", false);
          report(entry, error.message, true);
        });
    }

    function reject() {
      if (allowed.indexOf("reject") < 0) { act("reject"); return; }
      if (!selected().length) { act("reject"); return; }
      reasonDialog.querySelector("form").reset();
      reasonDialog.showModal();
    }

    reasonDialog.addEventListener("keydown", function (event) {
      if (event.target.tagName === "TEXTAREA") return;
      const radios = reasonDialog.querySelectorAll("input[name=reason]");
      const n = Number(event.key);
      if (n >= 1 && n <= radios.length) { radios[n - 1].checked = true; radios[n - 1].focus(); }
    });
    reasonDialog.addEventListener("close", function () {
      if (reasonDialog.returnValue !== "reject") return;
      const form = reasonDialog.querySelector("form");
      act("reject", {reason: form.reason.value, message: form.message.value, note: form.note.value});
    });

    root.querySelectorAll(".toolbar [data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.dataset.action === "reject") reject(); else act(button.dataset.action);
      });
    });
    root.querySelector("[data-select-all]").addEventListener("click", function () {
      const all = rows().filter(live);
      const on = !all.every(function (r) { return r.querySelector(".select").checked; });
      all.forEach(function (r) { r.querySelector(".select").checked = on; });
      countSelected();
    });
    root.addEventListener("change", function (event) {
      if (event.target.classList.contains("select")) countSelected();
    });
    root.addEventListener("click", function (event) {
      const row = event.target.closest("tr.queue-item");
      if (row && event.target.tagName !== "A") focus(row);
    });

    document.addEventListener("keydown", function (event) {
      if (typing(event) || dialogOpen()) return;
      const key = event.key;
      if (key === "j") move(1);
      else if (key === "k") move(-1);
      else if ((key === "o" || key === "Enter") && current) {
        window.location.href = current.querySelector("a.open").href;
      } else if (key === "x" && current && live(current)) {
        const box = current.querySelector(".select");
        box.checked = !box.checked;
        countSelected();
      } else if (key === "r") reject();
      else if (keys[key]) act(keys[key]);
      else if (key === "z" || key === "u") undo();
      else if (key === "?") help.showModal();
      else return;
      event.preventDefault();
    });

    function poll() {
      const ids = rows().map(function (r) { return r.dataset.id; }).join(",");
      fetch(root.dataset.changesUrl + "?since=" + since + "&ids=" + ids,
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) return;
          since = answer.last;
          const cap = Number(root.dataset.countCap);
          Object.keys(answer.counts).forEach(function (status) {
            const n = answer.counts[status];
            root.querySelectorAll('[data-count="' + status + '"]').forEach(function (el) {
              el.textContent = n > cap ? cap + "+" : String(n);
            });
          });
          answer.decided.forEach(function (d) {
            const row = root.querySelector('tr.queue-item[data-id="' + d.id + '"]');
            if (!row || d.moderator_id === me || row.classList.contains("gone")) return;
            row.classList.add("decided");
            row.querySelector(".select").checked = false;
            state(row, d.status + " by " + d.by);
          });
          rows().forEach(function (row) {
            if (row.classList.contains("decided") || row.classList.contains("held")) return;
            const claim = answer.claims[row.dataset.id];
            state(row, claim && claim.moderator_id !== me ? "open by " + claim.by : "");
          });
          countSelected();
        })
        .catch(function () { /* offline for a moment: the next poll catches up */ });
    }
    window.setInterval(poll, Number(root.dataset.pollMs));
    focus(rows()[0] || null);
  }

  function itemDetail(root) {
    const undoMs = Number(root.dataset.undoMs);
    const forms = {};
    root.querySelectorAll("form.decide").forEach(function (form) {
      forms[form.dataset.action] = form;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        const buttons = root.querySelectorAll("form.decide button");
        buttons.forEach(function (b) { b.disabled = true; });
        const label = form.querySelector("button").textContent.replace(/\s+\S$/, "").trim();
        hold(undoMs, label + ": sending in a few seconds.", function (leaving) {
          // Read by name: form.action is the <input name="action">, not the form's URL.
          const data = new FormData(form);
          const fields = [["csrf_token", data.get("csrf_token")], ["action", data.get("action")],
                          ["items", root.dataset.itemId + ":" + data.get("version")]];
          ["reason", "message", "note"].forEach(function (name) {
            if (data.has(name)) fields.push([name, data.get(name)]);
          });
          const entry = entryFor(root.dataset.decideUrl, label + " item " + root.dataset.itemId, fields);
          keep(entry);
          if (leaving) deliver(entry, true).catch(function () { /* the next page reports it */ });
          else HTMLFormElement.prototype.submit.call(form);
        },
             function () { buttons.forEach(function (b) { b.disabled = false; }); });
      });
    });
    const keys = {a: "approve", s: "spam", n: "not_spam"};
    document.addEventListener("keydown", function (event) {
      if (typing(event) || dialogOpen()) return;
      const key = event.key;
      if (keys[key] && forms[keys[key]]) forms[keys[key]].requestSubmit();
      else if (key === "r" && forms.reject) forms.reject.querySelector("select").focus();
      else if (key === "z" || key === "u") undo();
      else if (key === "q") window.location.href = root.dataset.queueUrl;
      else if (key === "?") help.showModal();
      else return;
      event.preventDefault();
    });
  }

  // Leaving the page closes the undo window: the held action goes out as a beacon.
  window.addEventListener("pagehide", function () { flush(true); });
})();
