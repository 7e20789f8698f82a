// The commitment card one step at a time (templates/workshops/commit/card.html).
// Without this script every step shows as one form, and it posts as one.
// With it, one step shows, with "Step n of 5", Back and Next; Next checks the step's
// required fields here first, with the messages the server would give, tied to each field.
// The step shown is kept on the form (data-current): the step region's stub keeps the card
// itself across pushes (hx-preserve), so the step and what was typed stay. A card the
// server sent back with something to fix opens at the step of its first error.
(function () {
  "use strict";

  var MESSAGES = {
    valueMissing: "This field is required.",
    typeMismatch: "Enter a valid email address.",
    badInput: "Enter a valid date.",
  };

  function steps(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-card-step]"));
  }

  function fields(step) {
    return Array.prototype.slice.call(step.querySelectorAll("input, select, textarea")).filter(
      function (field) { return field.type !== "hidden"; }
    );
  }

  function stepOfFirstError(form) {
    var list = steps(form);
    for (var i = 0; i < list.length; i++) {
      if (list[i].querySelector('[aria-invalid="true"], .errorlist')) return i + 1;
    }
    // Only a message about the whole card: the last step, where it was sent from.
    return form.querySelector(".errorlist") ? list.length : 0;
  }

  function show(form, number, focus) {
    var list = steps(form);
    number = Math.max(1, Math.min(number, list.length));
    form.dataset.current = String(number);
    list.forEach(function (step, i) { step.hidden = i + 1 !== number; });
    var step = list[number - 1];
    if (!focus) return;
    var target = focus === "error"
      ? step.querySelector('[aria-invalid="true"]') || step.querySelector("legend")
      : step.querySelector("legend");
    target.focus({ preventScroll: true });
    reveal(form, step);
  }

  // The whole step on the screen: with the card's heading above it when both fit.
  function reveal(form, step) {
    var stepBox = step.getBoundingClientRect();
    if (stepBox.top >= 0 && stepBox.bottom <= window.innerHeight) return;
    var withHeading = stepBox.bottom - form.getBoundingClientRect().top;
    (withHeading <= window.innerHeight ? form : step).scrollIntoView({ block: "start" });
  }

  function setUp(form) {
    if (form.dataset.stepped) return;  // kept across a push: as it was
    form.dataset.stepped = "1";
    form.classList.add("stepped");
    form.querySelectorAll("[data-card-nav], [data-card-back]").forEach(function (el) {
      el.hidden = false;
    });
    var failed = stepOfFirstError(form);
    show(form, failed || 1, failed ? "error" : null);
  }

  function setUpAll(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("form[data-card-steps]")) setUp(root);
    root.querySelectorAll("form[data-card-steps]").forEach(setUp);
  }

  // The message of a field, as the server words it, tied to the field.
  function mark(field, message) {
    var id = field.id + "_error";
    var list = document.getElementById(id);
    if (!message) {
      if (list) list.remove();
      field.removeAttribute("aria-invalid");
      var refs = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (ref) {
        return ref && ref !== id;
      });
      if (refs.length) field.setAttribute("aria-describedby", refs.join(" "));
      else field.removeAttribute("aria-describedby");
      return;
    }
    if (!list) {
      list = document.createElement("ul");
      list.className = "errorlist";
      list.id = id;
      list.dataset.checked = "1";
      field.parentNode.insertBefore(list, field);
    }
    var item = document.createElement("li");
    item.textContent = message;
    list.replaceChildren(item);
    field.setAttribute("aria-invalid", "true");
    var described = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    if (described.indexOf(id) < 0) {
      field.setAttribute("aria-describedby", described.concat([id]).join(" ").trim());
    }
  }

  function check(step) {
    var first = null;
    fields(step).forEach(function (field) {
      var validity = field.validity;
      var problem = validity.valueMissing || (field.required && !field.value.trim())
        ? "valueMissing"
        : validity.typeMismatch ? "typeMismatch" : validity.badInput ? "badInput" : null;
      if (problem) {
        mark(field, MESSAGES[problem]);
        first = first || field;
      } else if (field.getAttribute("aria-invalid") === "true" && field.id) {
        var list = document.getElementById(field.id + "_error");
        if (list && list.dataset.checked) mark(field, null);
      }
    });
    return first;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-card-next], [data-card-back]");
    if (!button) return;
    var form = button.closest("form[data-card-steps]");
    if (!form || !form.dataset.stepped) return;
    var current = Number(form.dataset.current || 1);
    if (button.hasAttribute("data-card-back")) {
      show(form, current - 1, "step");
      return;
    }
    var step = steps(form)[current - 1];
    var wrong = check(step);
    if (wrong) {
      wrong.focus({ preventScroll: true });
      reveal(form, step);
      return;
    }
    show(form, current + 1, "step");
  });

  // A field changed after its message (the browser's or the server's) is no longer marked;
  // Next, or the server, checks it again.
  function changed(event) {
    var field = event.target;
    if (!field.closest || field.getAttribute("aria-invalid") !== "true" || !field.id) return;
    var form = field.closest("form[data-card-steps]");
    if (form && form.dataset.stepped) mark(field, null);
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);

  // Enter in a text field of a step sends nothing early: it goes on to the next step.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    var form = event.target.closest("form[data-card-steps]");
    if (!form || !form.dataset.stepped) return;
    var step = steps(form)[Number(form.dataset.current || 1) - 1];
    var next = step.querySelector("[data-card-next]");
    if (!next) return;
    event.preventDefault();
    next.click();
  });

  // A card drawn (the page, an answer, or the card moved back in by a push) is set up as it
  // arrives, before the page is painted.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) { if (node.nodeType === 1) setUpAll(node); });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  } else {
    setUpAll(document);
  }
})();
