// A phone's ballot taps and Q&A upvotes over the page's open WebSocket (live.js), instead of
// one HTTP POST each.
//
// - A tap on a Q&A upvote form (data-upvote) is the socket command
//   {"type": "upvote", "question", "up", "questions", "key"}, answered with the delegate's
//   #my-questions carrying data-ack="<key>" (and the #flash message), or the #flash error
//   naming the key; everything below holds for it as for a ballot tap.
// - A tap on a ballot form (data-vote) while the socket is live is sent as the socket command
//   {"type": "vote", ...the form's own fields, its key}; the form shows "Sending…" (aria-busy,
//   its buttons disabled) until the server's answer: the delegate's #ballot carrying
//   data-ack="<key>", or the #flash error naming the key (data-refused), shown as it comes.
// - Taps in flight are remembered: after a reconnect they are sent again with the same key (the
//   server counts a key once); if the page falls back to polling they go over HTTP.
// - A second tap on a form whose tap is in flight is not sent: the answer's ballot brings fresh
//   keys.
// - Without a live socket (connecting, reconnecting, polling) or without script, the form posts
//   over HTTP exactly as before.
(function () {
  "use strict";

  // How long a tap sent over a live socket waits for its answer before going over HTTP.
  var ANSWER_MS = 20000;
  var inflight = []; // {key, fields, identity, url, socket, http, timer}
  var socket = null;
  var FORMS = "form[data-vote], form[data-upvote]";

  function live() {
    return socket !== null && socket.readyState === WebSocket.OPEN &&
      document.body.dataset.connection === "live";
  }

  function announce(text) {
    var el = document.getElementById("vote-sending");
    if (el) el.textContent = text;
  }

  // A form is the same control across redraws when its fields other than the key are.
  function identity(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input[type=hidden]"), function (i) {
      return i.name && i.name !== "key" && i.name !== "csrfmiddlewaretoken";
    }).map(function (i) { return i.name + "=" + i.value; }).sort().join("&");
  }

  // The socket command of a tap: its type and the form's own fields, or null.
  function fieldsOf(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var upvote = form.hasAttribute("data-upvote");
    var fields = {};
    var names = upvote ? ["question", "up", "questions", "key"] : ["poll", "option", "action", "value", "key"];
    var numbers = upvote ? ["question"] : ["poll", "option", "value"];
    names.forEach(function (name) {
      var value = data.get(name);
      if (value === null || value === "") return;
      fields[name] = numbers.indexOf(name) !== -1 && /^\d{1,18}$/.test(value) ? Number(value) : value;
    });
    if (upvote) return fields.question && fields.up && fields.key ? fields : null;
    return fields.poll && fields.action && fields.key ? fields : null;
  }

  function mark(form) {
    form.setAttribute("aria-busy", "true");
    form.dataset.sending = "";
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
      if (!button.disabled) {
        button.disabled = true;
        button.dataset.sendingDisabled = "";
      }
    });
    var note = document.createElement("span");
    note.className = "sending-mark";
    note.setAttribute("aria-hidden", "true");
    note.dataset.transient = "";
    note.textContent = "Sending…";
    form.appendChild(note);
  }

  function unmark(form) {
    form.removeAttribute("aria-busy");
    delete form.dataset.sending;
    Array.prototype.forEach.call(form.querySelectorAll("[data-sending-disabled]"), function (b) {
      b.disabled = false;
      delete b.dataset.sendingDisabled;
    });
    Array.prototype.forEach.call(form.querySelectorAll(".sending-mark"), function (note) {
      note.remove();
    });
  }

  // Every ballot form whose tap is in flight shows it, and no other: also after a redraw.
  function refreshMarks() {
    var wanted = {};
    inflight.forEach(function (tap) { wanted[tap.identity] = true; });
    Array.prototype.forEach.call(document.querySelectorAll(FORMS), function (form) {
      var busy = form.hasAttribute("data-sending");
      var want = wanted[identity(form)] === true;
      if (want && !busy) mark(form);
      else if (!want && busy) unmark(form);
    });
  }

  function drop(tap) {
    clearTimeout(tap.timer);
    inflight = inflight.filter(function (t) { return t !== tap; });
  }

  function forget(tap) {
    drop(tap);
    refreshMarks();
  }

  // A counted tap: its option's row flashes once in the redrawn ballot (an animation only;
  // not for people who ask for less motion).
  var lessMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  function confirmTap(option, key) {
    var ballot = document.getElementById("ballot");
    if (!option || lessMotion.matches || !ballot || ballot.getAttribute("data-ack") !== key) return;
    var input = ballot.querySelector('input[name="option"][value="' + String(option) + '"]');
    var row = input && input.closest(".ballot-option");
    if (row && row.animate) {
      row.animate([{ backgroundColor: "#cdeedb" }, { backgroundColor: "transparent" }],
        { duration: 800, easing: "ease-out" });
    }
  }

  function send(tap) {
    tap.socket = socket;
    socket.send(JSON.stringify(Object.assign({ type: tap.type }, tap.fields)));
    // A live socket that never answers the tap (it carries pongs, not the answer): HTTP then.
    clearTimeout(tap.timer);
    tap.timer = setTimeout(function () {
      if (inflight.indexOf(tap) >= 0 && !tap.http) sendOverHttp(tap);
    }, ANSWER_MS);
  }

  // Over HTTP, as the form itself would post it; the answer's fragments are swapped as usual,
  // and live.js says "Not sent" if it cannot reach the server. Each tap has a requesting
  // element of its own (in the page, for its CSRF header): htmx queues requests per element.
  function sendOverHttp(tap) {
    clearTimeout(tap.timer);
    if (!tap.url || !document.body) {
      forget(tap);
      return;
    }
    tap.http = true;
    var source = document.createElement("span");
    source.hidden = true;
    document.body.appendChild(source);
    var done = function () {
      source.remove();
      forget(tap);
    };
    htmx.ajax("POST", tap.url, { source: source, values: tap.fields, swap: "none" })
      .then(function () {
        if (tap.type === "vote") confirmTap(tap.fields.option, tap.key);
        done();
      }, done);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches(FORMS)) return;
    var identityOfForm = identity(form);
    var pending = inflight.some(function (tap) { return tap.identity === identityOfForm; });
    var fields = pending ? null : fieldsOf(form, event.submitter);
    if (!pending && !(fields && live())) return; // htmx posts it over HTTP, as without the socket
    event.preventDefault();
    event.stopImmediatePropagation();
    if (pending) return; // the same control's tap is in flight: its answer brings fresh keys
    var tap = {
      type: form.hasAttribute("data-upvote") ? "upvote" : "vote", key: fields.key, fields: fields, identity: identityOfForm, socket: null, http: false,
      timer: null, url: form.getAttribute("hx-post") || form.getAttribute("action"),
    };
    inflight.push(tap);
    mark(form);
    announce(tap.type === "upvote" ? "Sending your upvote…" : "Sending your vote…");
    try {
      send(tap);
    } catch (e) {
      sendOverHttp(tap);
    }
  }, true);

  // The server's answer: the ballot acknowledging a key, or an error naming one. The tap is
  // settled before the answer is swapped in, so the redrawn ballot is not marked again.
  var ACK = /\bdata-ack="([^"]+)"/;
  var REFUSED = /\bdata-refused="([^"]+)"/;
  var answered = null;
  function byKey(key) {
    return inflight.find(function (t) { return t.key === key; });
  }
  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    answered = null;
    if (typeof message !== "string" || !inflight.length) return;
    var acked = ACK.exec(message);
    var refused = REFUSED.exec(message);
    var tap = acked ? byKey(acked[1]) : null;
    if (tap) {
      answered = { tap: tap, counted: true };
    } else if (refused) {
      tap = byKey(refused[1]);
    } else if (/\bid="flash"/.test(message) && /\bflash-error\b/.test(message)) {
      // An error naming no key answers the oldest tap sent (the socket answers in order).
      tap = inflight.find(function (t) { return t.socket !== null && !t.http; });
    }
    if (tap && !answered) answered = { tap: tap, counted: false };
    if (answered) drop(answered.tap);
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (!answered) return;
    if (answered.counted && answered.tap.type === "upvote") {
      announce(""); // the answer's #flash says it (as over HTTP)
    } else if (answered.counted) {
      // As the HTTP answer does, a counted tap clears an earlier message.
      var flash = document.getElementById("flash");
      if (flash) {
        flash.innerHTML = "";
        flash.removeAttribute("data-refused");
      }
      announce("Your vote is saved.");
      confirmTap(answered.tap.fields.option, answered.tap.key);
    } else {
      announce("");
    }
    answered = null;
    refreshMarks();
  });

  htmx.onLoad(function () { if (inflight.length) refreshMarks(); });

  // A form htmx posts itself (no live socket): the ballot its answer draws names its key
  // when counted (the form itself is gone by then, redrawn with the ballot).
  var posted = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-vote]")) return;
    var option = form.querySelector('input[name="option"]');
    var key = form.querySelector('input[name="key"]');
    posted = option && key ? { option: option.value, key: key.value } : null;
  });
  htmx.onLoad(function (element) {
    if (!posted || element.id !== "ballot") return;
    confirmTap(posted.option, posted.key);
    posted = null;
  });

  // A new socket: what was in flight on the one before is sent again, with the same keys.
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.event.target;
    inflight.forEach(function (tap) {
      if (tap.http || tap.socket === socket) return;
      try {
        send(tap);
      } catch (e) {
        sendOverHttp(tap);
      }
    });
  });

  // No socket to come back to soon (polling) or ever (a closed link): over HTTP instead.
  document.addEventListener("live:status", function (event) {
    var state = event.detail.state;
    if (state !== "polling" && state !== "stopped") return;
    inflight.forEach(function (tap) { if (!tap.http) sendOverHttp(tap); });
  });
})();
