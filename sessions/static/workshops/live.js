// The live connection of every page (phone, projector, console), on top of htmx's ws extension.
//
// - Reconnects with capped, jittered backoff after any unexpected close (the extension alone
//   gives up on codes such as 1000 and 1001), never after a policy close (1008, 4400-4499).
// - Sends a heartbeat; a socket that stops answering is replaced, and "Live" is never shown
//   when the last answer from the server is older than STALE_MS (a dead socket, or timers a
//   background tab held back).
// - Falls back to fetching the same fragments over HTTP when sockets cannot connect at all.
// - Shows a calm "Live" / "Reconnecting" status ("Live" once an open socket's first frame has
//   come, not at its open), and says so when a write was not sent.
// - Never lets an older frame replace a newer one (regions carry data-version).
(function () {
  "use strict";

  var MAX_DELAY_MS = 10000;
  // A dead socket is found within HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS (8 s); the server answers
  // a ping with "pong" and no database work, so this rate is cheap even for a full hall.
  var HEARTBEAT_MS = 4000;
  var HEARTBEAT_TIMEOUT_MS = 4000;
  var STALE_MS = 10000;
  var POLL_MS = 4000;
  var FAILURES_BEFORE_POLLING = 3;
  var RECONNECTED_BY_EXTENSION = [1006, 1011, 1012, 1013];

  function backoff(attempt) {
    var cap = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempt));
    return cap / 2 + Math.random() * (cap / 2);
  }

  function isPolicyClose(code) {
    return code === 1008 || (code >= 4400 && code < 4500);
  }

  // What a page closed by policy says (the codes of sessions/live/consumers.py).
  var FLOODED = 4429;
  function policyCloseMessage(code) {
    if (code === FLOODED) {
      return "Disconnected: this page sent too much at once. Reload the page to carry on.";
    }
    // A page may say in its own words why its link stopped (the remote: revoked).
    var own = document.querySelector("[data-stopped-message]");
    if (own) return own.getAttribute("data-stopped-message");
    return "Disconnected: this link is no longer valid";
  }

  htmx.config.wsReconnectDelay = backoff;

  // Sockets replaced after a missed heartbeat must not trigger the extension's own
  // reconnect when their close finally arrives: swallow their close handler.
  var retired = new WeakSet();
  htmx.createWebSocket = function (url) {
    // The page says which first frame it has, if it has one: the server then sends only
    // that frame's mark instead of drawing every region again.
    if (state.frame) url += (url.indexOf("?") < 0 ? "?" : "&") + "frame=" + state.frame;
    var socket = new WebSocket(url);
    var onclose = null;
    Object.defineProperty(socket, "onclose", {
      get: function () { return onclose; },
      set: function (handler) { onclose = handler; },
    });
    socket.addEventListener("close", function (event) {
      if (!retired.has(socket) && onclose) onclose.call(socket, event);
    });
    return socket;
  };

  var state = {
    frame: null,       // the digest of the connect frame the page shows, while nothing changed it
    frameCame: null,   // the mark of the message being applied
    socket: null,
    wrapper: null,
    failures: 0,
    everOpened: false,
    awaitingFrame: false,
    heartbeat: null,
    heartbeatTimeout: null,
    lastAnswer: 0,
    poller: null,
    stopped: false,
  };

  function root() { return document.querySelector("[ws-connect]"); }
  if (root()) state.frame = root().dataset.frame || null;

  function setStatus(kind, text) {
    var el = document.getElementById("connection");
    if (!el) return;
    el.dataset.state = kind;
    el.textContent = text;
    document.body.dataset.connection = kind;
    document.dispatchEvent(new CustomEvent("live:status", { detail: { state: kind } }));
  }

  function flash(text) {
    var el = document.getElementById("flash");
    if (!el) return;
    el.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    el.appendChild(p);
  }

  function stopHeartbeat() {
    clearInterval(state.heartbeat);
    clearTimeout(state.heartbeatTimeout);
    state.heartbeat = state.heartbeatTimeout = null;
  }

  function startHeartbeat() {
    stopHeartbeat();
    state.heartbeat = setInterval(function () {
      if (!state.wrapper) return;
      state.wrapper.send(JSON.stringify({ type: "ping" }));
      // The deadline runs from the first unanswered ping: a later ping must not push it back.
      if (!state.heartbeatTimeout) {
        state.heartbeatTimeout = setTimeout(replaceDeadSocket, HEARTBEAT_TIMEOUT_MS);
      }
    }, HEARTBEAT_MS);
  }

  // The watchdog: a page showing "Live" whose socket has not answered for STALE_MS is not live.
  function checkStale() {
    if (document.body.dataset.connection !== "live") return;
    if (Date.now() - state.lastAnswer > STALE_MS) replaceDeadSocket();
  }
  setInterval(checkStale, 1000);
  document.addEventListener("visibilitychange", checkStale);

  function replaceDeadSocket() {
    stopHeartbeat();
    if (state.socket) {
      retired.add(state.socket);
      try { state.socket.close(); } catch (e) { /* already closing */ }
    }
    setStatus("reconnecting", "Reconnecting…");
    if (state.wrapper) state.wrapper.reconnect();
  }

  function poll() {
    var el = root();
    if (!el || !el.dataset.pollUrl) return;
    htmx.ajax("GET", el.dataset.pollUrl, { source: el, swap: "none" });
  }

  function startPolling() {
    if (state.poller || state.stopped) return;
    setStatus("polling", "Connection limited: updating every few seconds");
    poll();
    state.poller = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.poller);
    state.poller = null;
  }

  document.addEventListener("htmx:wsConnecting", function () {
    if (!state.poller) {
      setStatus(state.everOpened ? "reconnecting" : "connecting",
        state.everOpened ? "Reconnecting…" : "Connecting…");
    }
  });

  // An open socket is live once its first frame has come: in a room reconnecting at once the
  // server may keep it waiting its turn (answering its pings meanwhile), and until the frame
  // the page still shows what it had, so it does not say "Live" (and votes go over HTTP).
  document.addEventListener("htmx:wsOpen", function (event) {
    state.socket = event.detail.event.target;
    state.wrapper = event.detail.socketWrapper;
    state.everOpened = true;
    state.awaitingFrame = true;
    state.lastAnswer = Date.now();
    startHeartbeat();
  });

  function frameCame() {
    state.awaitingFrame = false;
    state.failures = 0;
    stopPolling();
    setStatus("live", "Live");
  }

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    var wrapper = event.detail.socketWrapper;
    stopHeartbeat();
    if (isPolicyClose(code)) {
      state.stopped = true;
      stopPolling();
      setStatus("stopped", policyCloseMessage(code));
      return;
    }
    state.failures += 1;
    if (state.failures >= FAILURES_BEFORE_POLLING) startPolling();
    else setStatus("reconnecting", "Reconnecting…");
    if (RECONNECTED_BY_EXTENSION.indexOf(code) < 0) {
      setTimeout(function () { wrapper.reconnect(); }, backoff(state.failures));
    }
  });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    clearTimeout(state.heartbeatTimeout);
    state.heartbeatTimeout = null;
    state.lastAnswer = Date.now();
    if (event.detail.message === "pong") event.preventDefault();
    else if (state.awaitingFrame) frameCame();
    var mark = /<!--frame:([0-9a-f]+)-->$/.exec(event.detail.message);
    state.frameCame = mark ? mark[1] : null;
  });

  // The page keeps the digest of the connect frame it shows until anything redraws a part of
  // it (a push, an answer, the polling fallback); a reconnect then asks for a full frame.
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (state.frameCame) state.frame = state.frameCame;
    state.frameCame = null;
  });
  function frameChanged() { state.frame = null; }
  document.addEventListener("htmx:oobAfterSwap", frameChanged);
  document.addEventListener("htmx:afterSwap", frameChanged);

  // Appends (new ideas) are applied once: items already on the page are skipped.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!fragment || !fragment.hasAttribute || !fragment.hasAttribute("data-append")) return;
    Array.prototype.slice.call(fragment.children).forEach(function (item) {
      if (item.id && document.getElementById(item.id)) item.remove();
    });
  });

  // Version guard: a region is only replaced by a frame at least as new.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    var current = event.detail.target;
    if (!incoming || !current || !incoming.dataset || !current.dataset) return;
    var got = Number(incoming.dataset.version || 0);
    var have = Number(current.dataset.version || 0);
    if (got && have && got < have) event.detail.shouldSwap = false;
  });

  // What someone is typing survives a redraw of the region around it (a push, a reconnect's
  // frame): a field the person changed keeps its value, its focus and its selection, as long
  // as the redraw brings the same field drawn with the same value. A field whose value was
  // just sent is left to the server's answer, which draws what was saved.
  var sent = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) editable(form).forEach(function (field) { sent.set(field, current(field)); });
  });
  function editable(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll("input, textarea, select"),
      function (field) { return field.type !== "hidden" && field.type !== "submit" && fieldKey(field); }
    );
  }
  function fieldKey(field) {
    if (field.id) return "#" + field.id;
    var form = field.form;
    var where = form && (form.getAttribute("hx-post") || form.getAttribute("action"));
    var choice = field.type === "checkbox" || field.type === "radio" ? " " + field.value : "";
    return where && field.name ? where + " " + field.name + choice : null;
  }
  function current(field) {
    return field.type === "checkbox" || field.type === "radio" ? field.checked : field.value;
  }
  function drawn(field) {
    if (field.type === "checkbox" || field.type === "radio") return field.defaultChecked;
    if (field.tagName === "SELECT") {
      var chosen = Array.prototype.find.call(field.options, function (o) { return o.defaultSelected; });
      return chosen ? chosen.value : field.options.length ? field.options[0].value : "";
    }
    return field.defaultValue;
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (!event.detail.shouldSwap || !event.detail.target) return;
    var active = document.activeElement;
    event.detail.typed = editable(event.detail.target).filter(function (field) {
      var value = current(field);
      var changed = value !== drawn(field);
      return (changed || field === active) && !(sent.has(field) && sent.get(field) === value);
    }).map(function (field) {
      return {
        key: fieldKey(field), value: current(field), drawn: drawn(field), focused: field === active,
        start: field === active ? field.selectionStart : null,
        end: field === active ? field.selectionEnd : null,
      };
    });
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var typed = event.detail.typed;
    if (!typed || event.detail.restored) return;
    event.detail.restored = true;
    var fields = editable(document);
    typed.forEach(function (was) {
      var field = fields.find(function (f) { return fieldKey(f) === was.key; });
      if (!field || drawn(field) !== was.drawn || current(field) !== was.drawn) return;
      if (field.type === "checkbox" || field.type === "radio") field.checked = was.value;
      else field.value = was.value;
      if (was.focused) {
        field.focus();
        if (was.start !== null) {
          try { field.setSelectionRange(was.start, was.end); } catch (e) { /* not a text field */ }
        }
      }
    });
  });

  // A write that could not reach the server is said to be unsent, never silently lost.
  // The listener goes on the requesting element itself: a push may have replaced (detached)
  // it while the request was in flight, and events on detached elements do not bubble.
  function notSent() {
    flash("Not sent: no connection to the server. Check your Wi-Fi and try again.");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    // The same function added twice is one listener.
    event.detail.elt.addEventListener("htmx:sendError", notSent);
  });

  // An answer whose requesting element was replaced by a push meanwhile looks for its
  // out-of-band fragments inside the detached element; swap them into the page instead.
  document.addEventListener("htmx:oobErrorNoTarget", function (event) {
    var fragment = event.detail.content;
    if (!fragment || !fragment.id) return;
    var target = document.getElementById(fragment.id);
    if (!target) return;
    var got = Number((fragment.dataset && fragment.dataset.version) || 0);
    var have = Number((target.dataset && target.dataset.version) || 0);
    if (got && have && got < have) return;
    htmx.swap(target, fragment.outerHTML, { swapStyle: "outerHTML" });
  });
  // A form sent wrong comes back with its fields marked (aria-invalid, each tied to its
  // message): the focus goes to the first, so a screen reader reads its message and the
  // thumb is on it. After a request of this page's only, never after a push.
  function focusFirstInvalid() {
    var field = document.querySelector('[aria-invalid="true"]');
    if (field && typeof field.focus === "function") field.focus();
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500) focusFirstInvalid();
  });
  document.addEventListener("DOMContentLoaded", focusFirstInvalid);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status >= 500) {
      flash("Not saved: the server had a problem. Please try again.");
    }
  });

  // Countdowns: seconds left until data-countdown (epoch seconds), corrected by the
  // difference between the server's clock (data-now) and this device's. At the end the
  // element says data-ended ("Time is up"), even if the server's push is late; elements with
  // data-show-from (the console's "Next stage") appear then.
  function msLeft(el, until) {
    if (el.dataset.offset === undefined) {
      el.dataset.offset = String(Number(el.dataset.now) * 1000 - Date.now());
    }
    return Number(until) * 1000 - (Date.now() + Number(el.dataset.offset));
  }
  function tickCountdowns() {
    var elements = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var seconds = Math.max(0, Math.ceil(msLeft(el, el.dataset.countdown) / 1000));
      if (seconds === 0 && el.dataset.ended) {
        el.textContent = el.dataset.ended;
        el.classList.add("time-up");
        continue;
      }
      var clock = el.querySelector("[data-clock]") || el;
      clock.textContent = minutesClock(seconds);
    }
    var waiting = document.querySelectorAll("[data-show-from][hidden]");
    for (var j = 0; j < waiting.length; j++) {
      if (msLeft(waiting[j], waiting[j].dataset.showFrom) <= 0) waiting[j].hidden = false;
    }
    tickClock();
  }

  // The facilitator's clock (sessions/agenda/clock.py): time on the step counts up from
  // data-count-up; the workshop's lag (data-lag seconds, positive behind) grows from
  // data-lag-from, both by the server's clock. The words match the server's.
  function minutesClock(seconds) {
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  function lagText(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes === 0) return "on time";
    return minutes + (minutes === 1 ? " minute " : " minutes ") + (seconds > 0 ? "behind" : "ahead");
  }
  function tickClock() {
    document.querySelectorAll("[data-count-up]").forEach(function (el) {
      var seconds = Math.max(0, Math.floor(-msLeft(el, el.dataset.countUp) / 1000));
      el.textContent = minutesClock(seconds);
      var clock = el.closest("[data-workshop-clock]");
      if (clock && el.dataset.plan) {
        clock.classList.toggle("over-plan", seconds > Number(el.dataset.plan) * 60);
      }
    });
    document.querySelectorAll("[data-lag-from]").forEach(function (el) {
      var grown = Math.max(0, Math.floor(-msLeft(el, el.dataset.lagFrom) / 1000));
      el.textContent = lagText(Number(el.dataset.lag) + grown);
    });
  }
  setInterval(tickCountdowns, 250);

  // The add-step form shows the vote's settings only for a vote (all show without script).
  function syncStepKind(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    var fields = { vote: ".vote-fields", ideas: ".ideas-fields" };
    Object.keys(fields).forEach(function (name) {
      var fieldset = form.querySelector(fields[name]);
      if (fieldset) fieldset.hidden = kind.value !== name;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind" && event.target.form) syncStepKind(event.target.form);
  });
  htmx.onLoad(function (element) {
    if (element.querySelectorAll) element.querySelectorAll("form").forEach(syncStepKind);
    if (element.tagName === "FORM") syncStepKind(element);
  });

  // Characters left while typing into a field with data-limit (the server checks too).
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.limit) return;
    var hint = document.querySelector('[data-limit-for="' + field.id + '"]');
    if (!hint) return;
    var left = Number(field.dataset.limit) - field.value.length;
    hint.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
    hint.classList.toggle("over", left < 0);
  });

  // Gentle hints on a commitment's action (the rules come from the server: sessions/hints.py).
  document.addEventListener("input", function (event) {
    var field = event.target;
    var list = field.id && document.querySelector('[data-hints-for="' + field.id + '"]');
    if (!list || !list.dataset.rules) return;
    var rules = JSON.parse(list.dataset.rules);
    var text = field.value.toLowerCase().replace(/^\s*i will\b\s*/, "");
    var words = text.match(/[\w£%]+/g) || [];
    var found = [];
    if (words.length) {
      var has = function (list) { return words.some(function (w) { return list.indexOf(w) >= 0; }); };
      if (rules.notVerbs.indexOf(words[0]) >= 0) found.push(rules.hints.verb);
      if (!/\d/.test(text) && !has(rules.measureWords)) found.push(rules.hints.measure);
      if (!has(rules.whenWords)) found.push(rules.hints.when);
    }
    list.replaceChildren.apply(list, found.map(function (hint) {
      var item = document.createElement("li");
      item.textContent = hint;
      return item;
    }));
  });

  // The projector fits the step to the screen, never cutting anything off (app.css's
  // projector section). First the sizes shrink (--shrink on the body: each size stays at
  // or above the floor the back of the hall can read); if the step still overflows, the
  // items of its long lists ([data-fit-list]) show in pages that take turns, with "Page 2
  // of 3" in the joining strip. Drawn again after every push and when the window changes.
  var PAGE_SECONDS = 10, SHRINK_STEPS = ["1", ".9", ".8", ".7", ".6"], pager = { page: 0, pages: [] };
  // The console's miniature of the room view: the projector page at 1280x720, scaled to fit.
  function fitMiniatures() {
    document.querySelectorAll(".room-view-frame").forEach(function (box) {
      if (box.clientWidth) box.style.setProperty("--miniature", String(box.clientWidth / 1280));
    });
  }
  fitMiniatures();
  if (window.ResizeObserver) {
    var miniatures = new ResizeObserver(fitMiniatures);
    document.querySelectorAll(".room-view-frame").forEach(function (box) { miniatures.observe(box); });
  }

  function fitStage() {
    return document.body.classList.contains("projector") && document.querySelector("[data-fit]");
  }
  function overflowing(stage) {
    return stage.scrollHeight > stage.clientHeight + 1 || stage.scrollWidth > stage.clientWidth + 1;
  }
  function fitItems(stage) {
    var items = [];
    stage.querySelectorAll("[data-fit-list]").forEach(function (list) {
      items.push.apply(items, list.children);
    });
    return items;
  }
  function planPages(stage, items) {
    // Greedy: each page takes items while the step still fits (at least one).
    var pages = [], start = 0, i;
    items.forEach(function (item) { item.setAttribute("data-page-hidden", ""); });
    while (start < items.length) {
      var end = start;
      while (end < items.length) {
        items[end].removeAttribute("data-page-hidden");
        if (end > start && overflowing(stage)) {
          items[end].setAttribute("data-page-hidden", "");
          break;
        }
        end += 1;
      }
      pages.push([start, end]);
      for (i = start; i < end; i++) items[i].setAttribute("data-page-hidden", "");
      start = end;
    }
    return pages;
  }
  function showPage(stage, number) {
    var items = fitItems(stage), count = pager.pages.length;
    var label = document.querySelector("[data-page-label]");
    pager.page = count ? (number - 1 + count) % count : 0;
    var shown = pager.pages[pager.page] || [0, items.length];
    items.forEach(function (item, i) {
      if (i >= shown[0] && i < shown[1]) item.removeAttribute("data-page-hidden");
      else item.setAttribute("data-page-hidden", "");
    });
    if (label) label.textContent = count > 1 ? "Page " + (pager.page + 1) + " of " + count : "";
  }
  function fit() {
    var stage = fitStage();
    if (!stage) return;
    var items = fitItems(stage);
    items.forEach(function (item) { item.removeAttribute("data-page-hidden"); });
    for (var k = 0; k < SHRINK_STEPS.length; k++) {
      document.body.style.setProperty("--shrink", SHRINK_STEPS[k]);
      if (!overflowing(stage)) break;
    }
    pager.pages = items.length && overflowing(stage) ? planPages(stage, items) : [];
    if (pager.pages.length > 1) stage.setAttribute("data-pages", String(pager.pages.length));
    else stage.removeAttribute("data-pages");
    showPage(stage, pager.page + 1);
    var plot = stage.querySelector(".matrix-plot"), matrix = plot && plot.getScreenCTM();
    if (matrix && matrix.a > 0) {
      var floor = Math.max(24, window.innerHeight * 0.03);
      document.body.style.setProperty("--plot-floor", (floor / matrix.a).toFixed(1) + "px");
    }
  }
  var fitting = false;
  function fitSoon() {
    if (fitting || !fitStage()) return;
    fitting = true;
    requestAnimationFrame(function () { fitting = false; fit(); });
  }
  if (fitStage()) {
    fitStage().showPage = function (number) { showPage(fitStage(), number); };
    htmx.onLoad(fitSoon);
    window.addEventListener("resize", fitSoon);
    setInterval(function () {
      if (pager.pages.length > 1) showPage(fitStage(), pager.page + 2);
    }, PAGE_SECONDS * 1000);
  }

  // Results that move: a bar grows (or shrinks) from the width it had to the one a push
  // brings, and the count of delegates here pops when it goes up; not for people who ask
  // for less motion. Animations only (the page's markup stays as the server drew it).
  var lessMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var barWidths = {}, hereCount = null;
  htmx.onLoad(function (element) {
    if (!element.querySelectorAll) return;
    var bars = element.matches && element.matches(".bar[id]") ? [element] : [];
    bars.push.apply(bars, element.querySelectorAll(".bar[id]"));
    bars.forEach(function (bar) {
      var before = barWidths[bar.id], after = bar.style.width;
      barWidths[bar.id] = after;
      if (before && before !== after && !lessMotion.matches && bar.animate) {
        bar.animate([{ width: before }, { width: after }], { duration: 600, easing: "ease-out" });
      }
    });
    var count = element.querySelector("#presence [data-count]");
    if (count) {
      var now = parseInt(count.getAttribute("data-count"), 10);
      if (hereCount !== null && now > hereCount && !lessMotion.matches && count.animate) {
        count.animate([{ transform: "scale(1)" }, { transform: "scale(1.35)" }, { transform: "scale(1)" }],
          { duration: 500, easing: "ease-out" });
      }
      hereCount = now;
    }
  });

  // A presenter's keys on the console (a clicker sends Page Down and Page Up, or the arrows):
  // a key presses the button of what the room sees that lists it in its aria-keyshortcuts,
  // so it goes through the same form as a click (and is refused the same way when the
  // console is out of date). Not while typing in a field, nor with a modifier held.
  var CONSOLE_KEYS = {
    ArrowRight: "ArrowRight", PageDown: "PageDown", ArrowLeft: "ArrowLeft", PageUp: "PageUp",
    b: "B", o: "O", r: "R"
  };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var name = CONSOLE_KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    var button = name && document.querySelector(
      '#presenter [aria-keyshortcuts~="' + name + '"], .console-grid #step [aria-keyshortcuts~="' + name + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  // Q&A on a phone: a pushed #questions is drawn once for every phone, so the questions this
  // phone upvoted and the order it chose (#my-questions, drawn for this delegate with the page
  // and with each of their own answers) are applied to it here: an upvote shows pressed and
  // its form takes it back, the newest come first when asked. What a fresh page draws.
  // A command key as the server's forms carry them (a random UUID, version 4); the page may
  // not be a secure context, where crypto.randomUUID is missing.
  function freshKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function applyMyQuestions() {
    var mine = document.getElementById("my-questions");
    var list = document.querySelector("#questions [data-qa-list]");
    if (!mine) return;
    var upvoted = (mine.getAttribute("data-upvoted") || "").split(" ").filter(Boolean);
    // The upvote this answer acknowledges is done: its form gets a fresh key at once, so a
    // second tap (taking it back) before the next push is a new command, not a replay.
    var acked = mine.getAttribute("data-ack");
    if (acked) {
      document.querySelectorAll('#questions form.qa-upvote input[name="key"]').forEach(function (field) {
        if (field.value === acked) field.value = freshKey();
      });
    }
    var sort = mine.getAttribute("data-sort") === "new" ? "new" : "top";
    document.querySelectorAll("#questions .qa-sort a[data-sort]").forEach(function (link) {
      if (link.getAttribute("data-sort") === sort) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    document.querySelectorAll('#questions input[name="questions"]').forEach(function (field) {
      field.setAttribute("value", sort);
    });
    if (!list) return;
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item) {
      var on = upvoted.indexOf(item.getAttribute("data-question")) !== -1;
      var button = item.querySelector(".qa-vote"), up = item.querySelector('input[name="up"]');
      if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
      if (up) up.setAttribute("value", on ? "0" : "1");
    });
    if (sort !== "new") return;
    var newest = items.slice().sort(function (a, b) {
      return parseInt(b.getAttribute("data-question"), 10) - parseInt(a.getAttribute("data-question"), 10);
    });
    if (newest.some(function (item, i) { return item !== items[i]; })) list.append.apply(list, newest);
  }
  // After every swap, a push's (out of band) or an answer's: a few lookups when nothing is due.
  document.addEventListener("htmx:oobAfterSwap", applyMyQuestions);
  document.addEventListener("htmx:afterSwap", applyMyQuestions);
  applyMyQuestions();

  // If the socket never opens (blocked by the network), poll instead.
  setTimeout(function () {
    if (!state.everOpened && root()) startPolling();
  }, 6000);
})();
