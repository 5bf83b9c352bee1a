/* The hotline desk (新建事件): Escape closes its dialog, as the × button does (the server's
   callback then hides the panel and forgets the form's key). A dropdown that is open takes
   Escape for itself first. */
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" || event.defaultPrevented) {
    return;
  }
  var panel = document.getElementById("desk-panel");
  var close = document.getElementById("desk-close");
  if (!panel || !close || panel.style.display === "none") {
    return;
  }
  if (document.querySelector("#desk-panel .Select-menu-outer, #desk-panel .dash-dropdown-options")) {
    return;
  }
  close.click();
});
