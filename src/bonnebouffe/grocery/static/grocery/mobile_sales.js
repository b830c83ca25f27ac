/* Stop sales phone view of the mobile unit, made to work through lost signal (as the
   driver view, logistics/driver.js). Each sale gets a client-made key (uuid) and goes into
   a queue in localStorage first, then is POSTed; the server applies a key once and answers
   200 with the same receipt for a key it already applied, so a resend never sells twice.
   The queue is resent on the "online" event and every 30 s. A 400/404/409/422 answer (bad
   input) drops the sale and shows the server's translated message; a 401/403 (signed out,
   stale CSRF token), a 5xx or no answer keeps it for later. The price level of a card is
   applied on the server only: the phone shows the total the server answers, never a tier. */
(function () {
  var app = document.getElementById("sales-app");
  if (!app) { return; }
  var KEY = "bb.grocery.mobile.sales";
  var api = app.getAttribute("data-api");
  var status = document.getElementById("queue-status");
  var totalEl = document.getElementById("sale-total");
  var sentList = document.getElementById("sent-sales");
  var form = document.getElementById("sale-form");
  var sending = false;
  var money = new Intl.NumberFormat(document.documentElement.lang || "fr-CA",
                                    { style: "currency", currency: "CAD" });

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 0x3 | 0x8)).toString(16);
    });
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); show(q); }
  function show(q) {
    var text = q.length === 1 ? app.getAttribute("data-waiting-one") : app.getAttribute("data-waiting-many");
    status.setAttribute("data-count", String(q.length));
    status.textContent = q.length ? fill(text, { n: q.length }) : "";
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]"); return el ? el.value : "";
  }
  function say(text, isError) {
    totalEl.textContent = text;
    totalEl.setAttribute("role", isError ? "alert" : "status");
    totalEl.className = isError ? "errorlist" : "";
  }
  function receipt(body) {
    var li = document.createElement("li");
    li.className = "sent-sale";
    li.textContent = fill(app.getAttribute("data-receipt-text"),
                          { number: body.receipt_number, total: body.total_label });
    sentList.insertBefore(li, sentList.firstChild);
    say(li.textContent, false);
  }
  function payload() {
    var lines = [];
    form.querySelectorAll("input[data-product]").forEach(function (i) {
      var v = (i.value || "").trim().replace(",", ".");
      if (!v) { return; }
      var n = Number(v);
      if (i.getAttribute("data-sold-by") === "unit") {
        lines.push({ product_id: Number(i.getAttribute("data-product")), units: Math.round(n), grams: 0 });
      } else {
        lines.push({ product_id: Number(i.getAttribute("data-product")), units: 0, grams: Math.round(n * 1000) });
      }
    });
    var method = form.querySelector("input[name=payment_method]:checked");
    var partner = form.querySelector("[name=voucher_partner_id]").value;
    return {
      lines: lines,
      card_number: form.querySelector("[name=card_number]").value.trim(),
      order_number: form.querySelector("[name=order_number]").value.trim(),
      payment_method: method ? method.value : "cash",
      payment_reference: form.querySelector("[name=payment_reference]").value.trim(),
      voucher_partner_id: partner ? Number(partner) : null
    };
  }
  function estimate(body) {  // regular prices only: the tier is not known on the phone
    var cents = 0;
    body.lines.forEach(function (l) {
      var i = form.querySelector("input[data-product='" + l.product_id + "']");
      var price = Number(i.getAttribute("data-price"));
      cents += l.units ? price * l.units : Math.round(price * l.grams / 1000);
    });
    return money.format(cents / 100);
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    });
  }
  function detail(r) {
    return r.json().then(function (b) {
      if (b.errors && b.errors.length) { return b.errors.map(function (e) { return e.message; }).join(" "); }
      return b.detail || "";
    }).catch(function () { return ""; });
  }
  function flush() {
    var q = load();
    if (sending || !q.length || navigator.onLine === false) { show(q); return; }
    sending = true;
    var s = q[0];
    post(s.api + "sales", s.body).then(function (r) {
      sending = false;
      if (r.status >= 500 || r.status === 401 || r.status === 403) { show(load()); return; }
      save(load().filter(function (x) { return x.key !== s.key; }));
      if (r.ok) {
        r.json().then(receipt).catch(function () {});
      } else {
        detail(r).then(function (text) { say(text, true); });
      }
      flush();
    }).catch(function () { sending = false; show(load()); });  // no signal: retry later
  }
  document.getElementById("quote-button").addEventListener("click", function () {
    var body = payload();
    if (navigator.onLine === false) {
      say(fill(app.getAttribute("data-total-text"), { total: estimate(body) }) + " — " +
          app.getAttribute("data-estimate-text"), false);
      return;
    }
    post(api + "quote", body).then(function (r) {
      if (!r.ok) { return detail(r).then(function (text) { say(text, true); }); }
      return r.json().then(function (b) {
        say(fill(app.getAttribute("data-total-text"), { total: b.total_label }), false);
      });
    }).catch(function () {
      say(fill(app.getAttribute("data-total-text"), { total: estimate(body) }) + " — " +
          app.getAttribute("data-estimate-text"), false);
    });
  });
  document.getElementById("record-button").addEventListener("click", function () {
    var body = payload();
    body.key = uuid();
    var q = load();
    q.push({ key: body.key, api: api, body: body });
    save(q);
    form.reset();
    say(app.getAttribute("data-queued-text"), false);
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  flush();
})();
