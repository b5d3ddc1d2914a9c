// The agent view's behaviour: the live feed, ticking waiting times, the reply preview, the
// phrasebook and the voice segments. Plain browser APIs and htmx; no build step.
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // -- live feed: Server-Sent Events; the browser resumes with Last-Event-ID by itself --------
  // EventSource reconnects by itself after a dropped stream, but gives up for good on any answer
  // other than 200, such as the 503 a server sends when it already serves as many feeds as it
  // may. Then this reopens the feed after about the server's Retry-After (10 s), longer after
  // each refusal and with jitter so refused views do not all return at once, resuming from the
  // last event seen. Meanwhile the light says the view is reconnecting.
  var REFUSED_WAIT_SECONDS = 10, LONGEST_WAIT_SECONDS = 60;

  function showLive(light, on) {
    if (!light) return;
    light.hidden = false;
    light.className = on ? "live on" : "live off";
    light.title = on ? "실시간 연결됨" : "다시 연결하는 중";
    light.textContent = on ? "●" : "● 다시 연결하는 중";
    // connection.js turns a lasting loss into a banner and marks the lists stale.
    document.body.dispatchEvent(new CustomEvent("relay:connection", { detail: { on: on } }));
  }

  function resumeUrl(url) {
    var last = document.body.getAttribute("data-last-event");
    if (!last) return url;
    var resumed = new URL(url, window.location.href);
    resumed.searchParams.set("after", last);
    return resumed.pathname + resumed.search;
  }

  // Parts of the thread outside the message log that an event changes for everyone looking at
  // it: a colleague's note, and the state line (holder, how it ended and its topic).
  var THREAD_PARTS = {
    "conversation.noted": "relay:notes",
    "conversation.claimed": "relay:state",
    "conversation.assigned": "relay:state",
    "conversation.transferred": "relay:state",
    "conversation.escalated": "relay:state",
    "conversation.closed": "relay:state",
    "contact.flagged": "relay:state",
    "contact.unblocked": "relay:state",
  };
  // After a lost connection the whole thread is drawn again, these parts included.
  document.addEventListener("DOMContentLoaded", function () {
    document.body.addEventListener("relay:thread", function (event) {
      if (!event.detail || !event.detail.reconnected) return;
      document.body.dispatchEvent(new CustomEvent("relay:notes", { detail: event.detail }));
      document.body.dispatchEvent(new CustomEvent("relay:state", { detail: event.detail }));
    });
  });

  // When a colleague's claim, transfer or close changes what this viewer may do on the thread,
  // the page is drawn again so the reply box and the actions match; a draft is kept per thread
  // in the browser, so nothing typed is lost.
  function allowedActions() {
    var marker = document.querySelector("#thread-state [data-actions]");
    return marker ? marker.getAttribute("data-actions") : null;
  }
  var drawnActions = null;
  document.addEventListener("DOMContentLoaded", function () { drawnActions = allowedActions(); });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "thread-state") return;
    var allowed = allowedActions();
    if (drawnActions !== null && allowed !== null && allowed !== drawnActions) {
      window.location.reload();
    }
  });

  function connectLive() {
    var holder = document.querySelector("[data-live]");
    if (!holder || !window.EventSource) return;
    var thread = holder.getAttribute("data-conversation");
    var light = document.getElementById("live");
    var url = holder.getAttribute("data-live");
    var refusals = 0;

    function open() {
      var source = new EventSource(resumeUrl(url));
      window.relayLive = source;
      source.addEventListener("open", function () {
        refusals = 0;
        showLive(light, true);
      });
      source.addEventListener("error", function () {
        showLive(light, false);
        if (source.readyState !== EventSource.CLOSED) return; // the browser is retrying
        refusals += 1;
        var wait = Math.min(LONGEST_WAIT_SECONDS, REFUSED_WAIT_SECONDS * Math.pow(2, refusals - 1));
        window.setTimeout(open, wait * (0.5 + Math.random()) * 1000);
      });
      source.addEventListener("relay", function (event) {
        var data = {};
        try { data = JSON.parse(event.data); } catch (e) { return; }
        document.body.setAttribute("data-last-event", String(data.id));
        if (thread && String(data.conversation_id) === thread) {
          document.body.dispatchEvent(new CustomEvent("relay:thread", { detail: data }));
          var part = THREAD_PARTS[data.kind];
          if (part) document.body.dispatchEvent(new CustomEvent(part, { detail: data }));
        }
        document.body.dispatchEvent(new CustomEvent("relay:changed", { detail: data }));
      });
    }
    open();
  }

  // -- waiting times tick in the browser, from the timestamp the server rendered -------------
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".waited[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (isNaN(since)) return;
      var s = Math.max(0, Math.floor((now - since) / 1000));
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
      var m = Math.floor((s % 3600) / 60), sec = s % 60;
      // a wait past a day reads in days ("1일 7시간"), as nobody counts "31시간"
      el.textContent = d ? d + "일 " + h + "시간" : h ? h + "시간 " + m + "분"
        : m ? m + "분 " + sec + "초" : sec + "초";
      // Amber after 5 minutes, red past the 15-minute reply target the metrics count against,
      // so red still stands out in a busy queue.
      el.classList.toggle("long", s >= 300 && s < 900);
      el.classList.toggle("overdue", s >= 900);
    });
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  // -- the reply box -------------------------------------------------------------------------
  function setupReply() {
    var form = document.getElementById("reply");
    if (!form) return;
    var korean = form.querySelector('[name="text"]');
    var translated = form.querySelector('[name="translated_text"]');
    var entry = form.querySelector('[name="entry_id"]');
    var back = document.getElementById("preview-back");
    var smsInfo = document.getElementById("preview-sms");
    var undeliverable = document.getElementById("preview-undeliverable");
    var source = document.getElementById("preview-source");
    var error = document.getElementById("preview-error");
    var missing = document.getElementById("preview-missing");
    var confirmBox = document.getElementById("confirm-missing-box");
    var confirmMissing = document.getElementById("confirm-missing");
    var edited = false, timer = null, seq = 0;

    function showError(text) { error.textContent = text; error.hidden = !text; }

    // Numbers, links and terms of the Korean that the translation lacks: named, and sending
    // needs the agent's tick (the server refuses it otherwise).
    function showMissing(spans) {
      spans = spans || [];
      missing.textContent = spans.length
        ? "번역에 빠진 숫자·용어: " + spans.join(", ") + " — 번역을 고치거나 확인 후 보내세요" : "";
      missing.hidden = !spans.length;
      confirmBox.hidden = !spans.length;
      if (!spans.length) confirmMissing.checked = false;
    }

    // The way the reply will really go, as relay/voice/channel.py decided it for this thread.
    var CHANNEL_NOTES = {
      voice: "주민에게 전화를 걸어 읽어 줍니다",
      live: "통화 중인 주민에게 읽어 줍니다",
      web: "번역문 전체가 주민 화면에 그대로 전달됩니다 (문자 제한 없음)",
    };
    function channelText(data) {
      var label = "보내는 방법: " + (data.channel_label || data.channel);
      if (data.channel !== "sms") return label + " · " + (CHANNEL_NOTES[data.channel] || "");
      return label + " · SMS " + data.segments + "건 · " + data.encoding +
        (data.uses_link ? " · 링크로 전달" : "");
    }
    var channelChoice = document.getElementById("reply-channel");
    function chosenChannel() { return channelChoice && channelChoice.value ? channelChoice.value : ""; }

    function render(data, keepTranslation) {
      if (!keepTranslation) translated.value = data.translated_text;
      back.textContent = data.back_translation || "—";
      smsInfo.textContent = channelText(data);
      undeliverable.textContent = data.undeliverable.length
        ? "휴대전화에 표시되지 않는 글자: " + data.undeliverable.join(" ") : "";
      source.textContent = data.engine === "phrasebook" ? "(상용구: 사람이 쓴 번역)"
        : data.engine === "none" ? "(번역 없이 한국어로)"
        : data.engine === "memory" ? "(번역 메모리)" : "(기계 번역)";
      showMissing(data.missing_spans);
      form.setAttribute("data-previewed", "yes");
    }

    function preview(useEdit) {
      var text = korean.value.trim();
      if (!text) { translated.value = ""; back.textContent = "—"; smsInfo.textContent = "—"; return; }
      var mine = ++seq;
      var body = { text: text };
      if (useEdit && translated.value.trim()) body.translated_text = translated.value;
      if (chosenChannel()) body.channel = chosenChannel();
      postJson(form.getAttribute("data-preview"), body).then(function (r) {
        if (mine !== seq) return; // a newer keystroke already asked again
        if (r.status !== 200) { showError(r.data.error || "미리보기 실패"); return; }
        showError("");
        render(r.data, useEdit);
      }).catch(function () { showError("미리보기를 가져오지 못했습니다."); });
    }

    function later(fn) { clearTimeout(timer); timer = setTimeout(fn, 350); }

    // Tell the resident's chat page an agent is typing: one small POST every 3 s at most.
    var typedAt = 0;
    function typingPing() {
      var url = form.getAttribute("data-typing");
      if (!url || Date.now() - typedAt < 3000) return;
      typedAt = Date.now();
      fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } });
    }

    korean.addEventListener("input", function () {
      typingPing();
      entry.value = ""; edited = false;
      form.removeAttribute("data-previewed");
      later(function () { preview(false); });
    });
    translated.addEventListener("input", function () {
      edited = true; entry.value = "";
      source.textContent = "(상담원이 수정함)";
      later(function () { preview(true); });
    });

    document.addEventListener("click", function (event) {
      var phrase = event.target.closest ? event.target.closest("button.phrase") : null;
      if (!phrase) return;
      korean.value = phrase.getAttribute("data-korean");
      translated.value = phrase.getAttribute("data-resident");
      entry.value = phrase.getAttribute("data-entry");
      edited = false;
      source.textContent = "(상용구: 사람이 쓴 번역)";
      back.textContent = "—"; smsInfo.textContent = "—"; undeliverable.textContent = "";
      showMissing([]);
      phrasePreview();
      korean.focus();
    });

    // A phrasebook answer gets the same preview as a typed reply: the channel, the SMS parts,
    // a link when handsets cannot show it.
    function phrasePreview() {
      var mine = ++seq;
      var data = new FormData();
      data.append("entry_id", entry.value);
      data.append("channel", chosenChannel());
      fetch(form.getAttribute("data-phrasebook-preview"), {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }, body: data,
      }).then(function (response) { return response.json(); }).then(function (r) {
        if (mine !== seq) return;
        if (r.error) { showError(r.error); return; }
        showError("");
        render(r, false);
      }).catch(function () { showError("미리보기를 가져오지 못했습니다."); });
    }

    if (channelChoice) {
      channelChoice.addEventListener("change", function () {
        if (entry.value) phrasePreview();
        else if (korean.value.trim()) preview(edited);
      });
    }

    function sent() {
      korean.value = ""; translated.value = ""; entry.value = ""; edited = false;
      back.textContent = "—"; smsInfo.textContent = "—"; undeliverable.textContent = ""; source.textContent = "";
      showMissing([]);
      form.removeAttribute("data-previewed");
      document.body.dispatchEvent(new CustomEvent("relay:thread", { detail: { sent: true } }));
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = korean.value.trim();
      if (!text) return;
      var button = document.getElementById("send");
      button.disabled = true;
      var done = function () { button.disabled = false; };
      if (entry.value) {
        var data = new FormData();
        data.append("entry_id", entry.value);
        data.append("channel", chosenChannel());
        fetch(form.getAttribute("data-phrasebook"), {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }, body: data,
        }).then(function (response) {
          if (response.ok) { sent(); showError(""); } else { showError("보내지 못했습니다 (" + response.status + ")"); }
        }).finally(done);
        return;
      }
      var body = { text: text };
      if (edited && translated.value.trim()) body.translated_text = translated.value;
      var channel = document.getElementById("reply-channel");
      if (channel && channel.value) body.channel = channel.value;  // empty: the server's default
      if (!confirmBox.hidden && confirmMissing.checked) body.confirm_missing = true;
      postJson(form.getAttribute("data-send"), body).then(function (r) {
        if (r.status === 409 && r.data.missing_spans) {
          showMissing(r.data.missing_spans);
          showError("번역에 빠진 숫자·용어가 있어 보내지 않았습니다. 고치거나 확인란을 누르세요.");
          return;
        }
        if (r.status !== 202) { showError(r.data.error || "보내지 못했습니다"); return; }
        showError(""); sent();
      }).catch(function () { showError("보내지 못했습니다."); }).finally(done);
    });

    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  // -- voice: click a segment to play from its start -----------------------------------------
  document.addEventListener("click", function (event) {
    var segment = event.target.closest ? event.target.closest("button.segment") : null;
    if (!segment) return;
    var voice = segment.closest(".voice");
    var audio = voice && voice.querySelector("audio");
    if (!audio) return;
    var start = parseFloat(segment.getAttribute("data-start")) || 0;
    var seek = function () { audio.currentTime = start; audio.play(); };
    if (audio.readyState >= 1) { seek(); return; }
    // preload="none": the recording is fetched on first use, and can only seek once it is known.
    audio.addEventListener("loadedmetadata", seek, { once: true });
    audio.load();
  });

  // While a recording plays, the segment being heard is highlighted (media events do not
  // bubble, so listen in the capture phase; one listener serves every player on the page).
  function markPlaying(event) {
    var audio = event.target;
    if (!audio || audio.tagName !== "AUDIO") return;
    var voice = audio.closest(".voice");
    if (!voice) return;
    var now = audio.currentTime;
    var ended = event.type === "ended";
    voice.querySelectorAll("button.segment").forEach(function (segment) {
      var start = parseFloat(segment.getAttribute("data-start")) || 0;
      var end = parseFloat(segment.getAttribute("data-end")) || start;
      var on = !ended && now >= start && now < end;
      segment.classList.toggle("playing", on);
      if (on) segment.setAttribute("aria-current", "true");
      else segment.removeAttribute("aria-current");
    });
  }
  ["timeupdate", "seeked", "ended"].forEach(function (kind) {
    document.addEventListener(kind, markPlaying, true);
  });

  // -- the message log opens at the newest message and follows new ones --------------------
  // A live refresh keeps the agent at the bottom when they were there (or just sent a reply);
  // one who scrolled up to read stays where they are.
  var followLog = true;
  function logAtBottom(log) { return log.scrollHeight - log.scrollTop - log.clientHeight < 48; }
  function toNewest(log) { log.scrollTop = log.scrollHeight; }
  document.body.addEventListener("relay:thread", function (event) {
    if (event.detail && event.detail.sent) followLog = true;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var log = event.detail.target;
    if (log && log.id === "log") followLog = followLog || logAtBottom(log);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var log = event.detail.target;
    if (!log || log.id !== "log") return;
    if (followLog) toNewest(log);
    followLog = false;
  });

  // A live refresh of the queue redraws its rows: the keyboard focus goes back to the same
  // conversation's button or link, so an agent tabbing through the queue is not thrown out.
  var focusedRow = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("li[data-conversation]") : null;
    focusedRow = row && event.detail.target.contains(row)
      ? { id: row.getAttribute("data-conversation"), tag: active.tagName } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusedRow) return;
    var selector = 'li[data-conversation="' + focusedRow.id + '"] ' + focusedRow.tag.toLowerCase();
    var again = event.detail.target.querySelector(selector);
    if (again) again.focus();
    focusedRow = null;
  });

  // A form with data-confirm asks before it is sent (an inline onsubmit would break the CSP).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

    // "/" jumps to the phrasebook search, Escape leaves a field: the mouse stays optional.
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "/" && !typing) {
      var search = document.getElementById("phrasebook-q");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "Escape" && typing) {
      event.target.blur();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var log = document.getElementById("log");
    if (log && !window.location.hash) toNewest(log);
    followLog = false;
    connectLive();
    setupReply();
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
