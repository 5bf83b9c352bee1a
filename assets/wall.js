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
  function update() { fit(); drift(); }
  window.addEventListener("resize", update);
  new MutationObserver(update).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", update);
})();
