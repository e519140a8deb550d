// The dashboard's glue around htmx: the API key (this tab only), problems shown in words,
// the passage scrolled into view, and exports that carry the key.
(function () {
  "use strict";
  var KEY = "parallax.apiKey";
  var dialog = document.getElementById("key-dialog");
  var problem = document.getElementById("problem");

  function key() { return sessionStorage.getItem(KEY); }

  function askForKey() {
    if (!dialog.open) { dialog.showModal(); document.getElementById("key-input").focus(); }
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  document.body.addEventListener("htmx:configRequest", function (event) {
    var stored = key();
    if (stored) { event.detail.headers["X-API-Key"] = stored; }
  });

  document.body.addEventListener("htmx:beforeRequest", function () { showProblem(""); });

  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    // A count the server was too busy to make is not worth an alert: the next refresh retries.
    if (event.detail.elt.classList.contains("differences") && xhr.status === 503) {
      event.detail.elt.textContent = "–";
      event.detail.elt.title = "The server was busy; the count comes with the next refresh.";
      return;
    }
    if (xhr.status === 401) { askForKey(); }
    var text = "The request failed (" + xhr.status + ").";
    try {
      var body = JSON.parse(xhr.responseText);
      text = (body.title || text) + (body.detail ? ": " + body.detail : "");
      if (xhr.status === 422 && Array.isArray(body.errors) && body.errors.length) {
        text = "Give a URL or a text of a few sentences.";
      }
    } catch (ignored) { /* not a problem document: keep the status */ }
    showProblem(text);
  });

  document.body.addEventListener("htmx:sendError", function () {
    showProblem("The server did not answer. Is it running?");
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var mark = event.detail.target.querySelector && event.detail.target.querySelector("#passage");
    if (mark) { mark.scrollIntoView({ block: "center" }); event.detail.target.focus(); }
  });

  document.getElementById("key-button").addEventListener("click", askForKey);
  document.getElementById("key-forget").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    dialog.close();
  });
  document.getElementById("key-form").addEventListener("submit", function () {
    sessionStorage.setItem(KEY, document.getElementById("key-input").value);
    document.getElementById("key-input").value = "";
    htmx.trigger(document.body, "parallax:key");
  });

  // A plain link would not carry the key: with one stored, fetch and save the export instead.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-download]");
    if (!link || !key()) { return; }
    event.preventDefault();
    fetch(link.href, { headers: { "X-API-Key": key() } }).then(function (response) {
      if (!response.ok) { throw new Error("export failed (" + response.status + ")"); }
      return response.blob();
    }).then(function (blob) {
      var save = document.createElement("a");
      save.href = URL.createObjectURL(blob);
      save.download = link.pathname.split("/").pop() || "export";
      save.click();
      URL.revokeObjectURL(save.href);
    }).catch(function (error) { showProblem(String(error.message)); });
  });
})();
