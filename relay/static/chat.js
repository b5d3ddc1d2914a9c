// The resident's chat page: live replies without reloading (Server-Sent Events resumed from
// the last event id), the "agent is typing" sign, sending without leaving the page, and
// telling the server which replies reached this page (delivered) and were shown (read).
// Everything the resident or an agent wrote is put in with textContent, never as HTML.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread) return;
  var labels = JSON.parse(thread.getAttribute("data-labels"));
  var pageLang = thread.getAttribute("data-lang");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var typing = document.getElementById("typing");
  var offline = document.getElementById("offline");
  var problem = document.getElementById("problem");
  var lastId = null;

  function post(url, body, json) {
    var headers = { "X-CSRFToken": csrf, "Accept": "application/json" };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: headers,
      body: json ? JSON.stringify(body) : body,
    });
  }

  function stateLabel(line) {
    if (line.mine) return labels.received;
    if (line.channel !== "web") return labels.by_sms;
    return labels[line.state] || "";
  }

  // Replies on the page: all delivered (this page has them), read when the page is visible.
  function acknowledge() {
    var delivered = [], read = [];
    var visible = document.visibilityState === "visible";
    thread.querySelectorAll('li.theirs[data-channel="web"]').forEach(function (li) {
      var id = Number(li.getAttribute("data-message"));
      var state = li.getAttribute("data-state");
      if (state === "sent") delivered.push(id);
      if (visible && state !== "read") read.push(id);
    });
    if (delivered.length || read.length) {
      post(thread.getAttribute("data-seen"), { delivered: delivered, read: read }, true);
    }
  }

  function show(line) {
    var li = document.getElementById("m-" + line.id);
    if (!li) {
      li = document.createElement("li");
      li.id = "m-" + line.id;
      li.className = "line " + (line.mine ? "mine" : "theirs");
      li.setAttribute("data-message", line.id);
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = line.mine ? labels.you : labels.agent;
      var text = document.createElement("p");
      text.className = "text";
      text.dir = "auto";
      text.lang = line.lang || pageLang;
      text.textContent = line.text;
      var meta = document.createElement("small");
      meta.className = "meta";
      var when = document.createElement("time");
      when.dateTime = line.at;
      when.textContent = line.shown;  // the centre's time, as the server writes it
      var state = document.createElement("span");
      state.className = "state";
      meta.appendChild(when);
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(state);
      li.appendChild(who);
      li.appendChild(text);
      li.appendChild(meta);
      thread.appendChild(li);
      li.scrollIntoView({ block: "end" });
    }
    li.setAttribute("data-state", line.state);
    li.setAttribute("data-channel", line.channel);
    li.querySelector(".state").textContent = stateLabel(line);
    if (line.state === "interpreter" && !li.querySelector(".notice")) {
      var notice = document.createElement("p");
      notice.className = "notice";
      [["en", labels.interpreter_en], ["ko", labels.interpreter_ko]].forEach(function (pair) {
        var span = document.createElement("span");
        span.lang = pair[0];
        span.textContent = pair[1] + " ";
        notice.appendChild(span);
      });
      li.insertBefore(notice, li.querySelector(".meta"));
    }
    if (!line.mine && line.state === "sent") typing.hidden = true;
  }

  function connect() {
    var url = thread.getAttribute("data-live");
    if (lastId !== null) url = url.replace(/after=\d*/, "after=" + lastId);
    var source = new EventSource(url);
    window.relayChat = source;
    source.addEventListener("open", function () { offline.hidden = true; });
    source.addEventListener("line", function (event) {
      lastId = event.lastEventId;
      show(JSON.parse(event.data));
      acknowledge();
    });
    source.addEventListener("skip", function (event) { lastId = event.lastEventId; });
    source.addEventListener("ended", function () { window.location.reload(); });
    source.addEventListener("typing", function (event) {
      typing.hidden = !JSON.parse(event.data).typing;
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {  // refused (busy): try again later
        offline.hidden = false;
        setTimeout(connect, 5000 + Math.random() * 5000);
      }
    });
  }

  var form = document.getElementById("compose");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = form.querySelector("textarea");
    if (!box.value.trim()) return;
    var button = document.getElementById("send");
    button.disabled = true;
    post(form.action, new FormData(form), false).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 202) { box.value = ""; problem.hidden = true; return; }
        problem.textContent = data.error || "";
        problem.hidden = false;
      });
    }).catch(function () {
      problem.hidden = false;
    }).finally(function () { button.disabled = false; box.focus(); });
  });
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  document.addEventListener("visibilitychange", acknowledge);
  connect();
  acknowledge();
})();
