/* Dash's renderer keeps an undo history of every input change made in the page (the
   store's state.history.past) and never trims it. Nothing here offers undo, and on a
   wall the clock and the refresh tick make two such changes a second: thousands of
   entries an hour, a browser that grows for as long as the wall runs (the creep walls
   die of). Every few seconds the history is emptied in place. */
(function () {
  "use strict";
  var KEEP = 20;
  function trim() {
    (window.dash_stores || []).forEach(function (store) {
      var history = store.getState().history;
      if (history && Array.isArray(history.past) && history.past.length > KEEP) {
        history.past.splice(0, history.past.length);
      }
    });
  }
  window.setInterval(trim, 5000);
})();
