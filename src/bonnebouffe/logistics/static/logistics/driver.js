/* Driver phone view: every tap becomes an update with a client-made key (uuid). Updates go
   into a queue in localStorage first, then are sent in order. When the phone is offline or
   a send fails (network error or 5xx), the queue stays and "n updates waiting" is shown;
   it is resent on the "online" event and every 30 s. The server answers 200 for a key it
   already applied, so a resend never applies twice. A 4xx answer (bad input) drops the
   update and shows the server's message. */
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
  function show(q) {
    status.textContent = q.length ? q.length + " " + app.getAttribute("data-waiting-text") : "";
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]"); return el ? el.value : "";
  }
  function mark(stopId, text) {
    var li = document.getElementById("stop-" + stopId);
    if (li) { li.querySelector(".status-label").textContent = text; }
  }
  function flush() {
    var q = load();
    if (sending || !q.length || navigator.onLine === false) { show(q); return; }
    sending = true;
    var u = q[0];
    fetch(api + u.stop + "/updates", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ key: u.key, action: u.action, weights_kg: u.weights_kg, reason: u.reason })
    }).then(function (r) {
      sending = false;
      if (r.status >= 500) { show(load()); return; }      // keep it, retry later
      var rest = load().filter(function (x) { return x.key !== u.key; });
      save(rest);
      r.json().then(function (body) { mark(u.stop, body.status_label || body.message || ""); }).catch(function () {});
      flush();
    }).catch(function () { sending = false; show(load()); });  // no signal: retry later
  }
  app.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-action]");
    if (!btn) { return; }
    var form = btn.closest("form");
    var weights = {};
    form.querySelectorAll("input[type=number]").forEach(function (i) { weights[i.name.slice(2)] = i.value; });
    var q = load();
    q.push({ key: uuid(), stop: form.getAttribute("data-stop"), action: btn.getAttribute("data-action"),
             weights_kg: weights, reason: form.querySelector("input[name=reason]").value });
    save(q);
    mark(form.getAttribute("data-stop"), "…");
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  flush();
})();
