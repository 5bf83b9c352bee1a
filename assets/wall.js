/* The wall is laid out on a fixed 1920×1080 canvas; this scales it to whatever screen it is
   on: as large as fits, centred, letterboxed (never stretched), so a 4K screen shows the
   same picture twice as sharp and a 32:9 spliced wall gets bars at the sides. */
(function () {
  "use strict";
  var W = 1920, H = 1080;
  function fit() {
    var canvas = document.querySelector(".wall-canvas");
    if (!canvas) { document.documentElement.classList.remove("wall-mode"); return; }
    document.documentElement.classList.add("wall-mode");
    var scale = Math.min(window.innerWidth / W, window.innerHeight / H);
    var transform = "translate(-50%, -50%) scale(" + scale + ")";
    if (canvas.style.transform !== transform) { canvas.style.transform = transform; }
  }
  // Lists longer than their panel (the newest cases, a ranking of many regions) drift to
  // their last row and back; a list that fits stands still.
  function drift() {
    document.querySelectorAll(".wall-scroll").forEach(function (win) {
      var rows = win.firstElementChild;
      if (!rows) { return; }
      var over = rows.scrollHeight - win.clientHeight;
      if (over > 2) {
        rows.style.setProperty("--drift", -over + "px");
        rows.style.setProperty("--drift-seconds", Math.max(20, over / 10) + "s");
        rows.classList.add("drift");
      } else if (rows.classList.contains("drift")) {
        rows.classList.remove("drift");
      }
    });
  }
  // Once a day (at 04:00 unless the address says ?reload=HH:MM, or reload=off) the wall
  // reloads itself, so a browser left running for weeks starts afresh at an hour nobody
  // watches. It reloads only once the server answers for the page: with the server away
  // it keeps its last picture (and says it is stale) and tries again every few seconds.
  var started = null, asked = 0;
  function localNow(zone) {  // "YYYY-MM-DD HH:MM:SS" on the wall's own clock
    return new Intl.DateTimeFormat("sv-SE", {timeZone: zone || undefined, year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23"}).format(new Date());
  }
  function reloadDue(canvas) {
    var at = canvas.getAttribute("data-reload");
    if (!at) { return false; }
    var now = localNow(canvas.getAttribute("data-timezone"));
    if (!started) { started = {text: now, ms: Date.now()}; return false; }
    if (Date.now() - started.ms >= 86400000) { return true; }
    var today = now.slice(0, 10);
    if (now.slice(11) >= at) { return started.text < today + " " + at; }  // today's passed
    return started.text.slice(0, 10) !== today && started.text.slice(11) < at;  // yesterday's
  }
  function reloadWhenDue() {
    var canvas = document.querySelector(".wall-canvas");
    if (!canvas || !reloadDue(canvas) || Date.now() - asked < 10000) { return; }
    asked = Date.now();
    window.fetch(window.location.href, {cache: "no-store", credentials: "same-origin"})
      .then(function (answer) { if (answer.ok) { window.location.reload(); } })
      .catch(function () { /* the server is away: the next try is in a few seconds */ });
  }
  window.setInterval(reloadWhenDue, 1000);
  function update() { fit(); drift(); }
  window.addEventListener("resize", update);
  new MutationObserver(update).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", update);
})();
