/* Prompt cards: optional enhancements. Every feature also works without this file:
 * "Draw a card" is a plain link chosen at build time, and every card page links to the
 * next and previous cards. With it: draw picks at random, a Shuffle button reorders the
 * cards, and on a card's page the left and right arrow keys move between cards.
 * Nothing is stored or sent anywhere.
 */
(function () {
  "use strict";

  function shuffled(items) {
    var copy = items.slice();
    for (var i = copy.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var swap = copy[i];
      copy[i] = copy[j];
      copy[j] = swap;
    }
    return copy;
  }

  // Draw: any card listed on this page (so a level page draws from its level).
  var draw = document.querySelector("[data-prompt-draw]");
  if (draw) {
    draw.addEventListener("click", function (event) {
      var urls = [];
      document.querySelectorAll("[data-prompt-list] [data-prompt-card-url]").forEach(function (link) {
        var url = link.getAttribute("data-prompt-card-url");
        if (urls.indexOf(url) === -1) {
          urls.push(url);
        }
      });
      if (urls.length < 2) {
        return;
      }
      event.preventDefault();
      window.location.assign(shuffled(urls)[0]);
    });
  }

  // Shuffle: reorder the cards inside each group, and say so to screen readers.
  var tools = document.querySelector("[data-prompt-tools]");
  var lists = document.querySelectorAll("[data-prompt-list]");
  if (tools && lists.length) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "prompt-button prompt-button--quiet";
    button.textContent = "Shuffle the cards";
    var status = document.createElement("p");
    status.className = "prompt-tools__status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      lists.forEach(function (list) {
        shuffled(Array.prototype.slice.call(list.children)).forEach(function (item) {
          list.appendChild(item);
        });
      });
      status.textContent = "The cards are shuffled.";
    });
    tools.appendChild(button);
    tools.appendChild(status);
  }

  // Keyboard: on a card's page, ← and → go to the previous and next card.
  var previous = document.querySelector('[data-prompt-key="previous"]');
  var next = document.querySelector('[data-prompt-key="next"]');
  if (previous && next) {
    var hint = document.createElement("p");
    hint.className = "prompt-page__hint";
    hint.textContent = "Tip: the ← and → keys move between cards.";
    next.closest("nav").appendChild(hint);
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
      }
      var link = event.key === "ArrowLeft" ? previous : event.key === "ArrowRight" ? next : null;
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    });
  }
})();
