// The supervisor's live view (/admin/live): when a refresh fails, say so on the page, so the
// floor never looks current when it is not. The next good refresh replaces the whole fragment,
// and with it this warning.
(function () {
  "use strict";

  function stale(event) {
    var live = document.getElementById("floor-live");
    if (!live || (event.detail && event.detail.elt !== live)) return;
    live.classList.add("stale");
    var note = live.querySelector(".refreshed");
    if (note) {
      note.textContent = note.getAttribute("data-at") +
        " 기준 · 연결이 끊겨 최신 현황이 아닙니다. 다시 연결하는 중…";
    }
  }

  document.addEventListener("htmx:sendError", stale);
  document.addEventListener("htmx:responseError", stale);
})();
