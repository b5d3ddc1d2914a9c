// The live connection's state, said plainly: when the feed stays down for more than a moment the
// agent sees a banner and the lists turn grey, so a stale queue never looks current; when the
// feed is back the lists are fetched again and the banner says so briefly.
(function () {
  "use strict";

  // The server ends each feed after a while and the browser reopens it at once: a loss shorter
  // than this is routine and not worth a banner.
  var GRACE_MS = 1500, BACK_NOTICE_MS = 4000;
  var timer = null, stale = false, lostAt = null;

  function banner() { return document.getElementById("connection"); }

  function clock(date) {
    // The centre's clock (Asia/Seoul), as 24-hour digits like the rest of the staff pages.
    return date.toLocaleTimeString("en-GB", { timeZone: "Asia/Seoul", hour12: false });
  }

  function markStale(on) {
    document.querySelectorAll("#queue, #log").forEach(function (el) {
      el.classList.toggle("stale", on);
      if (on) el.setAttribute("aria-busy", "true"); else el.removeAttribute("aria-busy");
    });
  }

  function lost() {
    stale = true;
    var box = banner();
    if (!box) return;
    box.className = "connection lost";
    box.querySelector("strong").textContent = "실시간 연결이 끊어졌습니다.";
    document.getElementById("connection-state").textContent =
      "다시 연결하는 중… (" + clock(lostAt) + "부터)";
    box.hidden = false;
    markStale(true);
  }

  function back() {
    var box = banner();
    markStale(false);
    // What happened meanwhile: the lists are drawn again from the server, not patched.
    document.body.dispatchEvent(new CustomEvent("relay:changed", { detail: { reconnected: true } }));
    document.body.dispatchEvent(new CustomEvent("relay:thread", { detail: { reconnected: true } }));
    if (!box) return;
    box.className = "connection back";
    box.querySelector("strong").textContent = "실시간 연결이 다시 되었습니다.";
    document.getElementById("connection-state").textContent = "목록을 새로 불러왔습니다.";
    window.setTimeout(function () { if (!stale) box.hidden = true; }, BACK_NOTICE_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("relay:connection", function (event) {
      if (event.detail && event.detail.on) {
        window.clearTimeout(timer); timer = null; lostAt = null;
        if (stale) { stale = false; back(); }
        return;
      }
      if (timer || stale) return;
      lostAt = new Date();
      timer = window.setTimeout(function () { timer = null; lost(); }, GRACE_MS);
    });
  });
})();
