// The keyboard help ("?" opens a Korean list of the shortcuts) and arrow keys in the phrasebook
// results, so an agent can search, pick and send without the mouse.
(function () {
  "use strict";

  function typing(target) {
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
  }

  function toggleHelp() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || !dialog.showModal) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  function phrases() {
    return Array.prototype.slice.call(document.querySelectorAll("#phrasebook-results button.phrase"));
  }

  // Down from the search box enters the results; up and down move between them; up from the
  // first goes back to the search box. Enter (or space) on a result picks it, as a click does.
  function movePhrase(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return false;
    var list = phrases();
    if (!list.length) return false;
    var search = document.getElementById("phrasebook-q");
    var at = list.indexOf(document.activeElement);
    if (event.target === search) {
      if (event.key !== "ArrowDown") return false;
      list[0].focus();
    } else if (at >= 0) {
      if (event.key === "ArrowDown") list[Math.min(at + 1, list.length - 1)].focus();
      else if (at === 0) search.focus();
      else list[at - 1].focus();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (movePhrase(event)) return;
    if (event.key === "?" && !typing(event.target) && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      toggleHelp();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#shortcuts-open")) toggleHelp();
  });
})();
