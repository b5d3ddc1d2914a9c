// New-contact alerts on the queue: a desktop notification (permission is asked on the agent's
// click, never on load), an optional chime (off until switched on, remembered in this browser),
// and the count in the tab's title so a background tab still says when someone waits. On the
// agent's own conversations a marker shows resident messages newer than the agent last saw.
(function () {
  "use strict";

  var SOUND_KEY = "relay:sound", SEEN_PREFIX = "relay:seen:";
  var baseTitle = document.title;
  var known = null; // waiting conversations already announced; null until the first drawing

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function soundOn() {
    var s = storage();
    return Boolean(s && s.getItem(SOUND_KEY) === "on");
  }

  // A short two-note chime made by the browser: no audio file to fetch or license.
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    var audio = new Context();
    [880, 660].forEach(function (hz, n) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = hz;
      gain.gain.value = 0.08;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(audio.currentTime + n * 0.18);
      tone.stop(audio.currentTime + n * 0.18 + 0.15);
    });
    window.setTimeout(function () { audio.close(); }, 1000);
  }

  function announce(title, body) {
    if (window.Notification && Notification.permission === "granted") {
      var note = new Notification(title, { body: body, tag: "relay-new-contact" });
      note.onclick = function () { window.focus(); note.close(); };
    }
    if (soundOn()) chime();
  }

  function notify(rows) {
    var first = rows[0];
    var text = (first.querySelector(".preview") || {}).textContent || "";
    var lang = (first.querySelector(".lang") || {}).textContent || "";
    announce(rows.length > 1 ? "새 문의 " + rows.length + "건" : "새 문의",
      (lang.trim() + " · " + text.trim()).slice(0, 120));
  }

  // Away from the queue (in a thread, on a review page) a new contact is still announced, from
  // the live feed's event, and counted in the title until the agent looks at the queue.
  var newElsewhere = 0;
  function contactOpened(event) {
    if (document.getElementById("waiting")) return; // the queue's own redraw announces it
    var data = event.detail || {};
    if (data.kind !== "conversation.opened") return;
    newElsewhere += 1;
    document.title = "(" + newElsewhere + ") " + baseTitle;
    announce("새 문의", "대기열에 새 문의가 있습니다.");
  }

  function lastSeen(id) {
    var s = storage();
    return Date.parse((s && s.getItem(SEEN_PREFIX + id)) || "") || 0;
  }

  // Own rows whose resident wrote after the agent last had the thread open.
  function markUnread() {
    var unread = 0;
    document.querySelectorAll(".queue.mine li.row[data-resident-at]").forEach(function (row) {
      var at = Date.parse(row.getAttribute("data-resident-at"));
      var on = !isNaN(at) && at > lastSeen(row.getAttribute("data-conversation"));
      row.classList.toggle("unread", on);
      var mark = row.querySelector(".unread-mark");
      if (mark) mark.hidden = !on;
      if (on) unread += 1;
    });
    return unread;
  }

  function waitingCount() {
    var count = document.querySelector("#waiting");
    var heading = count && count.parentNode.querySelector("h2 .count");
    return heading ? parseInt(heading.textContent, 10) || 0 : 0;
  }

  function refreshQueue() {
    var waiting = document.getElementById("waiting");
    if (!waiting) return;
    var unread = markUnread();
    var total = waitingCount() + unread;
    document.title = (total ? "(" + total + ") " : "") + baseTitle;
    var rows = Array.prototype.slice.call(waiting.querySelectorAll("li.row[data-conversation]"));
    var ids = rows.map(function (row) { return row.getAttribute("data-conversation"); });
    if (known !== null) {
      var fresh = rows.filter(function (row) { return !known[row.getAttribute("data-conversation")]; });
      if (fresh.length) notify(fresh);
    }
    known = known || {};
    ids.forEach(function (id) { known[id] = true; });
  }

  // On a thread: remember the newest resident message the agent has had in front of them.
  function rememberSeen() {
    var holder = document.querySelector(".thread[data-conversation]");
    var s = storage();
    if (!holder || !s) return;
    var times = document.querySelectorAll("#messages .message.inbound time[datetime]");
    if (!times.length) return;
    var newest = times[times.length - 1].getAttribute("datetime");
    var key = SEEN_PREFIX + holder.getAttribute("data-conversation");
    if (Date.parse(newest) > (Date.parse(s.getItem(key) || "") || 0)) s.setItem(key, newest);
  }

  function setupControls() {
    var desktop = document.getElementById("alerts-desktop");
    var sound = document.getElementById("alerts-sound");
    if (sound) {
      sound.checked = soundOn();
      sound.addEventListener("change", function () {
        var s = storage();
        if (s) s.setItem(SOUND_KEY, sound.checked ? "on" : "off");
        if (sound.checked) chime(); // the agent hears what they switched on
      });
    }
    if (!desktop) return;
    function show() {
      var state = window.Notification ? Notification.permission : "unsupported";
      desktop.textContent = {
        granted: "데스크톱 알림 켜짐",
        denied: "데스크톱 알림 차단됨 (브라우저 설정에서 허용)",
        unsupported: "이 브라우저는 데스크톱 알림을 지원하지 않습니다",
      }[state] || "데스크톱 알림 켜기";
      desktop.disabled = state !== "default";
    }
    show();
    desktop.addEventListener("click", function () {
      if (!window.Notification) return;
      Notification.requestPermission().then(show);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("relay:changed", contactOpened);
    setupControls();
    refreshQueue();
    rememberSeen();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "queue") refreshQueue();
    if (target && target.id === "log") rememberSeen();
  });
  window.addEventListener("storage", function (event) {
    if (event.key && event.key.indexOf(SEEN_PREFIX) === 0) refreshQueue();
  });
})();
