/* Sign-in and display tokens on the browser's side (the server enforces everything; see
   dashboard/auth.py). Two jobs, both on Dash's callback requests:
   1. a wall opened as /wall?token=T sends T with every callback (header X-Display-Token),
      so the server checks it on each refresh: it outlives server restarts and sessions;
   2. when the server refuses a callback (403), say so plainly over the page, in the page's
      language; never a stack trace. A wall gets the message only, never a sign-in form. */
(function () {
  "use strict";
  var original = window.fetch;
  if (!original || original.dashboardAuth) { return; }
  function params() { return new URLSearchParams(window.location.search); }
  function isWall() { return /\/wall\/?$/.test(window.location.pathname); }
  function lang() { return params().get("lang") === "en" ? "en" : "zh"; }
  function clear() {
    var shown = document.querySelector(".auth-overlay");
    if (shown) { shown.parentNode.removeChild(shown); }
  }
  function show(error) {
    var box = document.querySelector(".auth-overlay");
    if (!box) {
      box = document.createElement("div");
      box.className = "auth-overlay";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = "";
    var text = document.createElement("div");
    text.className = "auth-overlay-message";
    text.textContent = (error.message && (error.message[lang()] || error.message.zh)) || error.key;
    box.setAttribute("data-key", error.key || "");
    box.appendChild(text);
    if (!isWall()) {
      var link = document.createElement("a");
      var here = window.location.pathname + window.location.search;
      if (error.login) {
        link.href = "/login?next=" + encodeURIComponent(here) + (lang() === "en" ? "&lang=en" : "");
        link.textContent = lang() === "en" ? "Sign in again" : "重新登录";
      } else {
        link.href = "/" + (lang() === "en" ? "?lang=en" : "");
        link.textContent = lang() === "en" ? "Back to the overview" : "返回首页";
      }
      box.appendChild(link);
    }
  }
  var wrapped = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (url.indexOf("_dash-update-component") === -1) {
      return original.apply(this, arguments);
    }
    var token = params().get("token");
    if (token) {
      init = Object.assign({}, init || {});
      var headers = new Headers(init.headers || {});
      headers.set("X-Display-Token", token);
      init.headers = headers;
    }
    return original.call(this, input, init).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        response.clone().json().then(function (body) {
          if (body && body.error) { show(body.error); }
        }).catch(function () { /* not ours: leave the page as it is */ });
      } else if (response.ok) {
        clear();
      }
      return response;
    });
  };
  wrapped.dashboardAuth = true;
  window.fetch = wrapped;
})();
