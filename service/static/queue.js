// The moderation queue in the browser. Keyboard: j/k move, x select, a approve, s spam,
// m medical claim, r reject (other, with a note), u undo, / search, ? help. Shortcuts press
// the page's own buttons, so every action is the same CSRF-protected form post as a click.
// Every 15 s the tab counts are refreshed, and cards another moderator decided are marked.
(function () {
  "use strict";
  var POLL_MS = 15000;
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var help = document.getElementById("shortcuts");
  var bulk = document.getElementById("bulk");
  var selectAll = document.getElementById("select-all");
  var selectedCount = document.getElementById("selected-count");
  var live = document.getElementById("live-status");
  var tabs = document.getElementById("tabs");
  var current = -1;

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll(".card input.select"));
  }

  function showSelection() {
    var all = boxes().filter(function (box) { return !box.disabled; });
    var n = all.filter(function (box) { return box.checked; }).length;
    cards.forEach(function (card) {
      var box = card.querySelector("input.select");
      card.classList.toggle("selected", !!(box && box.checked));
    });
    if (selectedCount) { selectedCount.textContent = n ? n + " selected" : "Select all"; }
    if (selectAll) {
      selectAll.checked = n > 0 && n === all.length;
      selectAll.indeterminate = n > 0 && n < all.length;
    }
  }

  function focus(index) {
    if (!cards.length) { return; }
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach(function (card, i) { card.classList.toggle("focused", i === current); });
    cards[current].focus();
    cards[current].scrollIntoView({block: "nearest"});
  }

  function press(value) {
    if (current < 0) { focus(0); }
    var card = cards[current];
    var button = card && !card.classList.contains("decided") &&
      card.querySelector("button[value='" + value + "']");
    if (button) { button.click(); }
  }

  function toggleSelected() {
    if (current < 0) { focus(0); }
    var box = cards[current] && cards[current].querySelector("input.select");
    if (box && !box.disabled) { box.checked = !box.checked; showSelection(); }
  }

  function undo() {
    var form = document.getElementById("undo");
    if (form) { form.requestSubmit(); }
  }

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) &&
      event.target.type !== "checkbox";
    if (event.key === "Escape") {
      if (help) { help.hidden = true; }
      if (typing) { event.target.blur(); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var actions = {
      j: function () { focus(current + 1); },
      k: function () { focus(current - 1); },
      x: toggleSelected,
      a: function () { press("approve"); },
      s: function () { press("spam"); },
      m: function () { press("medical_claim"); },
      u: undo,
      r: function () {
        if (current < 0) { focus(0); }
        var note = cards[current] && cards[current].querySelector("input[name='note']");
        if (note) { note.focus(); }
      },
      "/": function () {
        var box = document.querySelector(".filter-box");
        if (box) { box.open = true; box.querySelector("input[name='q']").focus(); }
      },
      "?": function () { if (help) { help.hidden = !help.hidden; } }
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  });

  cards.forEach(function (card, i) {
    card.setAttribute("tabindex", "-1");
    card.addEventListener("focusin", function () {
      current = i;
      cards.forEach(function (c, j) { c.classList.toggle("focused", j === i); });
    });
  });
  boxes().forEach(function (box) { box.addEventListener("change", showSelection); });
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      boxes().forEach(function (box) { if (!box.disabled) { box.checked = selectAll.checked; } });
      showSelection();
    });
  }
  if (bulk) {
    bulk.addEventListener("submit", function (event) {
      if (!boxes().some(function (box) { return box.checked; })) {
        event.preventDefault();
        if (live) { live.textContent = "Select comments first (x, or the checkboxes)."; }
      }
    });
  }
  showSelection();
  if (cards.length) { focus(0); }

  // Live counts: the badges follow other moderators' work without a reload.
  function markDecided(card, info) {
    if (card.classList.contains("decided")) { return; }
    card.classList.add("decided");
    var note = card.querySelector(".decided-note");
    if (note) {
      note.textContent = "now " + info.status + (info.by ? " by " + info.by : "");
      note.hidden = false;
    }
    var box = card.querySelector("input.select");
    if (box) { box.checked = false; box.disabled = true; }
    Array.prototype.forEach.call(card.querySelectorAll(".actions button"), function (button) {
      button.disabled = true;
    });
  }

  function poll() {
    if (!tabs || !window.fetch || document.hidden) { return; }
    var url = tabs.getAttribute("data-counts-url");
    var ids = cards.map(function (card) { return card.getAttribute("data-id"); });
    url += (url.indexOf("?") < 0 ? "?" : "&") + "ids=" + ids.join(",");
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var cap = Number(tabs.getAttribute("data-cap"));
        Object.keys(data.counts).forEach(function (tab) {
          var badge = tabs.querySelector(".tab-count[data-tab='" + tab + "']");
          var n = data.counts[tab];
          var label = n > cap ? cap.toLocaleString("en-US") + "+" : n.toLocaleString("en-US");
          if (badge && badge.textContent !== label) { badge.textContent = label; }
        });
        var gone = 0;
        cards.forEach(function (card) {
          var info = data.comments[card.getAttribute("data-id")];
          if (info && info.status !== card.getAttribute("data-status")) {
            if (!card.classList.contains("decided")) { gone += 1; }
            markDecided(card, info);
          }
        });
        if (gone && live) {
          live.textContent = gone + " comment" + (gone > 1 ? "s were" : " was") +
            " decided by someone else meanwhile.";
        }
        showSelection();
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
  window.queuePoll = poll; // lets the browser tests trigger a poll instead of waiting 15 s
})();
