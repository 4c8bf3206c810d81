// The dispatcher's board, live: progressive enhancement only (the board works without this file,
// with its "Refresh" link and forms that post and answer with a page).
// - Planning the day shows progress while the planner runs, then shows what the plan changed.
// - Each change of the day (server-sent events) fetches the board's changing part anew and swaps
//   it in, keeping the focus where it was and announcing the update to screen readers. The
//   EventSource reconnects by itself and resumes after the last event it saw (Last-Event-ID).
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // The planning form: the POST runs while a polite live region says so; then the page the
  // server answered (what changed) replaces this one.
  function enhancePlan() {
    var form = document.getElementById("plan");
    if (!form || !window.fetch) { return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var progress = document.getElementById("plan-progress");
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      if (progress) { progress.textContent = form.getAttribute("data-progress") || ""; }
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var main = next.querySelector("main");
        if (!main) { throw new Error("no page"); }
        document.title = next.title;
        document.querySelector("main").replaceWith(main);
        stop();
        start();
        var focus = document.getElementById("board-changes") ||
          document.querySelector(".error-summary") || main;
        focus.focus();
      }).catch(function () {
        // Without the script's way, the browser's own: post and wait.
        form.submit();
      });
    });
  }

  var source = null;
  var pending = null;

  function stop() {
    if (source) { source.close(); source = null; }
    if (pending) { clearTimeout(pending); pending = null; }
  }

  // The board's changing part fetched anew and swapped in; the focused element (by id, or a
  // form's button by the form's action) keeps the focus.
  function refresh() {
    pending = null;
    var board = document.getElementById("board");
    if (!board) { return; }
    var url = board.getAttribute("data-fragment");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var active = document.activeElement;
      var within = active && board.contains(active);
      var id = within ? active.id : "";
      var form = within && active.form ? active.form.getAttribute("action") : "";
      board.innerHTML = html;
      if (within) {
        var again = (id && document.getElementById(id)) ||
          (form && board.querySelector("form[action='" + form + "'] button")) || null;
        if (again) { again.focus(); }
      }
      var status = document.getElementById("board-status");
      if (status) {
        status.textContent = "";
        setTimeout(function () { status.textContent = status.getAttribute("data-text") || ""; }, 50);
      }
    }).catch(function () { /* the next change tries again */ });
  }

  function start() {
    var board = document.getElementById("board");
    if (!board || !window.EventSource) { return; }
    var url = board.getAttribute("data-events");
    if (!url) { return; }
    source = new EventSource(url);
    source.addEventListener("change", function () {
      // A burst of changes (a plan writes many) makes one refresh.
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(refresh, 400);
    });
  }

  ready(function () {
    enhancePlan();
    start();
  });
})();
