// Keyboard shortcuts for the moderation queue: j/k move, a approve, s spam, m medical claim,
// r reject (other, with a note), ? help. They press the card's own buttons, so every action
// is the same CSRF-protected form post as a click.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var help = document.getElementById("shortcuts");
  var current = -1;

  function focus(index) {
    if (!cards.length) { return; }
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach(function (card, i) { card.classList.toggle("focused", i === current); });
    cards[current].focus();
    cards[current].scrollIntoView({block: "nearest"});
  }

  function press(value) {
    if (current < 0) { focus(0); }
    var button = cards[current] && cards[current].querySelector("button[value='" + value + "']");
    if (button) { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "Escape") {
      if (help) { help.hidden = true; }
      if (typing) { event.target.blur(); }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var actions = {
      j: function () { focus(current + 1); },
      k: function () { focus(current - 1); },
      a: function () { press("approve"); },
      s: function () { press("spam"); },
      m: function () { press("medical_claim"); },
      r: function () {
        if (current < 0) { focus(0); }
        var note = cards[current] && cards[current].querySelector("input[name='note']");
        if (note) { note.focus(); }
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
  if (cards.length) { focus(0); }
})();
