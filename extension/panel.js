// The side panel: sends the reader's page to POST /compare, lists the coverage by outlet and
// the key differences, and asks the page to highlight the differences on its own text.
(function () {
  "use strict";
  var status = document.getElementById("status");

  function say(text, isProblem) {
    status.textContent = text;
    status.className = isProblem ? "problem" : "";
  }

  // The tab to compare: `?tab=ID` when given (a panel opened as a page), else the active tab.
  function targetTab() {
    var given = Number(new URLSearchParams(location.search).get("tab"));
    if (given) { return chrome.tabs.get(given); }
    return chrome.tabs.query({ active: true, lastFocusedWindow: true }).then(function (tabs) { return tabs[0]; });
  }

  function explainFailure(response, body) {
    var kind = body && body.type ? body.type.split("/").pop() : "";
    if (kind === "not-an-article") { return "This page does not look like a news article."; }
    if (kind === "no-coverage") { return "No other outlet's coverage of this story was found yet."; }
    if (response.status === 429) {
      var wait = response.headers.get("Retry-After");
      return "The Parallax server is busy with this key's requests; try again" + (wait ? " in " + wait + " s." : " shortly.");
    }
    if (response.status === 401) { return "The Parallax server needs an API key: add it in Settings."; }
    if (response.status === 503) { return "The Parallax server is busy; try again in a moment."; }
    return (body && (body.detail || body.title)) || "The comparison failed (" + response.status + ").";
  }

  function render(answer) {
    var byOutlet = {};
    answer.coverage.forEach(function (item) { (byOutlet[item.outlet] = byOutlet[item.outlet] || []).push(item); });
    var outlets = document.getElementById("outlets");
    outlets.replaceChildren();
    Object.keys(byOutlet).sort().forEach(function (name) {
      var li = document.createElement("li");
      var strong = document.createElement("strong");
      strong.textContent = name;
      li.appendChild(strong);
      byOutlet[name].forEach(function (item) {
        var link = document.createElement("a");
        link.href = item.url; link.target = "_blank"; link.rel = "noreferrer noopener";
        link.textContent = item.title || item.url;
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(link);
      });
      outlets.appendChild(li);
    });
    var list = document.getElementById("key-differences");
    list.replaceChildren();
    answer.key_differences.forEach(function (item) {
      var li = document.createElement("li");
      var tag = document.createElement("span");
      tag.className = "tag"; tag.textContent = item.type.replace("_", " ");
      li.appendChild(tag);
      li.appendChild(document.createTextNode(item.explanation));
      list.appendChild(li);
    });
    if (!answer.key_differences.length) {
      var none = document.createElement("li");
      none.textContent = answer.summary.accounts_agree
        ? "The accounts agree: this page states " + Math.round(answer.summary.shared * 100) +
          "% of what the other outlets report, and " + differences(answer.summary.counts) + "."
        : "No key differences: none found is likely enough to lead.";
      list.appendChild(none);
    }
    document.getElementById("coverage").hidden = false;
    document.getElementById("differences").hidden = false;
  }

  function differences(counts) {
    var found = Object.keys(counts).reduce(function (sum, kind) { return sum + counts[kind]; }, 0);
    if (!found) { return "no difference was found"; }
    return "differs from them in " + (found === 1 ? "one place" : found + " places");
  }

  function selectors(answer) {
    return answer.key_differences.filter(function (item) { return item.passage; }).map(function (item) {
      return { exact: item.passage.text, prefix: item.passage.prefix, suffix: item.passage.suffix,
               type: item.type, explanation: item.explanation };
    });
  }

  function compare() {
    say("Comparing…");
    var tab;
    Promise.all([targetTab(), ParallaxSettings.load()]).then(function (found) {
      tab = found[0];
      var settings = found[1];
      if (!tab || !/^https?:/.test(tab.url || "")) { throw new Error("Open a news article to compare it."); }
      return chrome.tabs.sendMessage(tab.id, { type: "parallax:page" }).catch(function () {
        throw new Error("This page cannot be read; reload it and try again.");
      }).then(function (page) {
        var headers = { "Content-Type": "application/json" };
        if (settings.apiKey) { headers["X-API-Key"] = settings.apiKey; }
        return fetch(settings.apiBase + "/compare", {
          method: "POST", headers: headers, body: JSON.stringify({ url: page.url, html: page.html })
        }).catch(function () {
          throw new Error("The Parallax server at " + settings.apiBase + " does not answer. Is it running? (Settings)");
        });
      });
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) { throw new Error(explainFailure(response, body)); }
        return body;
      });
    }).then(function (answer) {
      render(answer);
      return chrome.tabs.sendMessage(tab.id, { type: "parallax:highlight", selectors: selectors(answer) })
        .then(function (reply) {
          var outlets = new Set(answer.coverage.map(function (item) { return item.outlet; })).size;
          say(answer.coverage.length + " other articles from " + outlets + " outlets; " +
              reply.found + " differences highlighted on the page.");
        });
    }).catch(function (error) { say(error.message, true); });
  }

  document.getElementById("refresh").addEventListener("click", compare);
  compare();
})();
