/* The briefing says when it is fully drawn: data-ready="true" on .briefing once every
   graph it announces (data-graphs) has drawn its SVG and the fonts have loaded. The CLI
   waits for that before printing, so a PDF never catches a half-drawn page. */
(function () {
  "use strict";
  function check() {
    var root = document.querySelector(".briefing[data-graphs]");
    if (!root || root.getAttribute("data-ready") === "true") { return; }
    var wanted = parseInt(root.getAttribute("data-graphs"), 10) || 0;
    var drawn = 0;
    root.querySelectorAll(".js-plotly-plot").forEach(function (plot) {
      if (plot._fullLayout && plot.querySelector(".main-svg")) { drawn += 1; }
    });
    if (drawn < wanted) { return; }
    if (root.getAttribute("data-title")) { document.title = root.getAttribute("data-title"); }
    var fonts = document.fonts ? document.fonts.ready : Promise.resolve();
    fonts.then(function () {
      window.requestAnimationFrame(function () {
        window.requestAnimationFrame(function () {
          root.setAttribute("data-ready", "true");
        });
      });
    });
  }
  window.setInterval(check, 100);
})();
