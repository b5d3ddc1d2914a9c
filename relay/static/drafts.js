// Drafts per conversation, kept in this browser (localStorage): an agent who looks at another
// thread and comes back finds the Korean reply and the edited translation as they left them.
// A sent reply clears its draft. Nothing is kept on the server: a draft is not a record.
(function () {
  "use strict";

  var PREFIX = "relay:draft:";
  // A draft left for longer than this belongs to a shift long over: it is dropped.
  var KEEP_MS = 3 * 24 * 3600 * 1000;

  function store() {
    try { return window.localStorage; } catch (e) { return null; } // storage may be switched off
  }

  // Drafts can hold what residents told the centre; the next person at this desk must not find
  // them, so signing out clears them all, and stale ones go on any page load.
  function forget(storage, all) {
    var keys = [];
    for (var n = 0; n < storage.length; n++) {
      var key = storage.key(n);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    keys.forEach(function (key) {
      var saved = null;
      try { saved = JSON.parse(storage.getItem(key) || "null"); } catch (e) { saved = null; }
      if (all || !saved || !(Date.now() - (saved.savedAt || 0) < KEEP_MS)) storage.removeItem(key);
    });
  }

  document.addEventListener("submit", function (event) {
    var storage = store();
    var action = event.target.getAttribute ? event.target.getAttribute("action") || "" : "";
    if (storage && /\/logout$/.test(action)) forget(storage, true);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("reply");
    var holder = document.querySelector(".thread[data-conversation]");
    var storage = store();
    if (storage) forget(storage, false);
    if (!form || !holder || !storage) return;
    var key = PREFIX + holder.getAttribute("data-conversation");
    var korean = form.querySelector('[name="text"]');
    var translated = form.querySelector('[name="translated_text"]');
    var entry = form.querySelector('[name="entry_id"]');
    var edited = false;

    function save() {
      if (!korean.value.trim() && !translated.value.trim()) { storage.removeItem(key); return; }
      storage.setItem(key, JSON.stringify({
        text: korean.value, translated: translated.value, edited: edited, entry: entry.value,
        savedAt: Date.now(),
      }));
    }

    korean.addEventListener("input", function () { edited = false; save(); });
    translated.addEventListener("input", function () { edited = true; save(); });
    // The preview fills the translation after a pause; keep the filled text too.
    new MutationObserver(save).observe(form, { attributes: true, attributeFilter: ["data-previewed"] });
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("button.phrase")) {
        window.setTimeout(function () { edited = false; save(); }, 0); // after agent.js filled it
      }
    });
    document.body.addEventListener("relay:thread", function (event) {
      if (event.detail && event.detail.sent) storage.removeItem(key);
    });

    var draft = null;
    try { draft = JSON.parse(storage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.text) return;
    korean.value = draft.text;
    if (draft.entry) {
      // A phrasebook answer: its human translation is sent as it stands, no preview needed.
      translated.value = draft.translated || "";
      entry.value = draft.entry;
      form.setAttribute("data-previewed", "yes");
    } else if (draft.edited && draft.translated) {
      translated.value = draft.translated;
      // agent.js treats this as the agent's edit: it is kept and previewed as written.
      translated.dispatchEvent(new Event("input", { bubbles: true }));
    } else {
      korean.dispatchEvent(new Event("input", { bubbles: true }));
    }
    edited = Boolean(draft.edited);
    form.classList.add("restored");
    var note = document.createElement("p");
    note.className = "hint draft-note";
    note.id = "draft-restored";
    note.textContent = "이전에 쓰던 답변을 불러왔습니다.";
    korean.insertAdjacentElement("afterend", note);
  });
})();
