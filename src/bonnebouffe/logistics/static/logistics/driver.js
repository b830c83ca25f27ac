/* Driver phone view: every tap becomes an update with a client-made key (uuid). Updates go
   into a queue in localStorage first, then are sent one at a time, in order. The queue is
   kept, and "n updates waiting" shown, while the phone is offline, when a send fails (no
   network), when the server errs (5xx) and when the session or CSRF token is refused (401,
   403: sign in again, nothing is lost). It is resent on the "online" event and every 30 s.
   The server answers 200 for a key it already applied, so a resend never applies twice.
   Only a refusal of the update itself (400, 404, 422: bad input, stop not yours) drops it,
   and the server's message is shown on the stop. */
(function () {
  var app = document.getElementById("driver-app");
  if (!app) { return; }
  var KEY = "bb.logistics.queue";
  var api = app.getAttribute("data-api");
  var status = document.getElementById("queue-status");
  var sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 0x3 | 0x8)).toString(16);
    });
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); show(q); }
  function show(q, extra) {
    var text = "";
    if (q.length === 1) { text = app.getAttribute("data-waiting-one"); }
    if (q.length > 1) { text = app.getAttribute("data-waiting-many").replace("{n}", String(q.length)); }
    if (extra) { text = text ? text + " " + extra : extra; }
    status.textContent = text;
    status.setAttribute("data-count", String(q.length));
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]"); return el ? el.value : "";
  }
  function mark(stopId, text, state) {
    var li = document.getElementById("stop-" + stopId);
    if (!li) { return; }
    li.querySelector(".status-label").textContent = text;
    if (state) { li.setAttribute("data-status", state); }
    nextStop();
  }
  function nextStop() {
    // "Next stop": the first stop still to do (the page's order is the route's).
    var box = document.querySelector(".next-stop a[href^='#stop-']");
    var li = document.querySelector("li.stop[data-status=planned] form.stop-form");
    if (!box) { return; }
    if (!li) { box.parentNode.hidden = true; return; }
    li = li.closest("li");
    box.parentNode.hidden = false;
    box.setAttribute("href", "#" + li.id);
    box.textContent = li.querySelector("strong").textContent;
    var p = box.parentNode;
    p.querySelector(".next-address").textContent = li.getAttribute("data-address");
    p.querySelector(".next-directions").setAttribute("href", li.getAttribute("data-directions"));
  }
  function message(stopId, text) {
    var li = document.getElementById("stop-" + stopId);
    var box = li ? li.querySelector(".stop-message") : null;
    if (box) { box.textContent = text || ""; }
  }
  function flush() {
    var q = load();
    if (sending || !q.length || navigator.onLine === false) { show(q); return; }
    sending = true;
    var u = q[0];
    fetch(api + u.stop + "/updates", {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify({ key: u.key, action: u.action, weights_kg: u.weights_kg,
                             temperatures_c: u.temperatures_c || {}, reason: u.reason })
    }).then(function (r) {
      sending = false;
      if (r.status === 401 || r.status === 403) {             // signed out: keep, sign in again
        show(load(), app.getAttribute("data-signed-out-text")); return;
      }
      if (r.status >= 500 || r.type === "opaqueredirect" || r.status === 0) {
        show(load()); return;                                 // keep it, retry later
      }
      return r.json().catch(function () { return {}; }).then(function (body) {
        save(load().filter(function (x) { return x.key !== u.key; }));
        if (r.ok) {
          mark(u.stop, body.status_label || "", body.status);
          message(u.stop, "");
        } else {
          mark(u.stop, app.getAttribute("data-refused-text"), "planned");
          message(u.stop, body.detail || "");
        }
        flush();
      });
    }).catch(function () { sending = false; show(load()); });  // no signal: retry later
  }
  function values(form, prefix) {
    var out = {};
    form.querySelectorAll("input[name^='" + prefix + "']").forEach(function (i) {
      out[i.name.slice(prefix.length)] = i.value;
    });
    return out;
  }
  app.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-action]");
    if (!btn) { return; }
    var form = btn.closest("form");
    var stop = form.getAttribute("data-stop");
    var action = btn.getAttribute("data-action");
    var reason = form.querySelector("input[name=reason]");
    if (action === "problem" && !reason.value.trim()) {
      message(stop, app.getAttribute("data-reason-text")); reason.focus(); return;
    }
    if (action !== "problem") {
      var missing = Array.prototype.filter.call(form.querySelectorAll("input[required]"),
        function (i) { return !i.value.trim(); });
      if (missing.length) { message(stop, app.getAttribute("data-temperature-text")); missing[0].focus(); return; }
    }
    var q = load();
    q.push({ key: uuid(), stop: stop, action: action,
             weights_kg: action === "picked_up" ? values(form, "w-") : {},
             temperatures_c: action !== "problem" ? values(form, "t-") : {},
             reason: reason.value });
    save(q);
    message(stop, "");
    mark(stop, app.getAttribute("data-pending-text"), "pending");
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  flush();
})();
