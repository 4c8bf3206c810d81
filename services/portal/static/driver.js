// The driver's day, live: each change of the day the dispatch stream relays (a trip assigned,
// cancelled or moved on) fetches the stops anew and, when they differ, shows them and says so
// to a screen reader. Progressive enhancement only: without this file the page has its
// "Refresh" link.
(function () {
  "use strict";
  var root = document.getElementById("driver-day");
  var live = document.getElementById("driver-live");
  // No shift that day, no stream to follow (the service would refuse it).
  if (!root || !live || !root.hasAttribute("data-events") || !window.EventSource || !window.fetch) {
    return;
  }
  var waiting = null;
  var loading = false;
  var again = false;

  function swap(html) {
    // Compared as the browser writes markup, so the same stops are not announced again.
    var fresh = document.createElement("template");
    fresh.innerHTML = html;
    if (fresh.innerHTML.trim() === root.innerHTML.trim()) {
      return;
    }
    var focused = document.activeElement && root.contains(document.activeElement);
    root.innerHTML = fresh.innerHTML;
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = root.getAttribute("data-changed");
    }, 100);
    if (focused) {
      var heading = document.getElementById("driver-next-title");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }
  }

  function refresh() {
    waiting = null;
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    window
      .fetch(root.getAttribute("data-fragment"), {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          swap(html);
        }
      })
      .catch(function () {
        // Offline for a moment: the next change, or the Refresh link, brings the stops.
      })
      .then(function () {
        loading = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource(root.getAttribute("data-events"));
  source.addEventListener("change", function () {
    // A burst of changes (a re-planned route) is fetched once.
    if (waiting === null) {
      waiting = window.setTimeout(refresh, 300);
    }
  });
})();
