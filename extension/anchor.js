// Text anchoring in the style of the W3C TextQuoteSelector: find `exact` in the page's text
// with whitespace collapsed, and when it occurs more than once, take the occurrence whose
// neighbours best match `prefix` and `suffix`. Offsets of the extracted text cannot be used:
// the page holds menus, captions and adverts the extraction left out.
var ParallaxAnchor = (function () {
  "use strict";
  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEMPLATE: 1, TEXTAREA: 1 };

  function collapse(text) { return text.replace(/\s+/g, " ").trim(); }

  // The page's text with whitespace collapsed, and for each of its characters the text node
  // and offset it came from.
  function pageText(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        for (var el = node.parentElement; el; el = el.parentElement) {
          if (SKIP[el.tagName]) { return NodeFilter.FILTER_REJECT; }
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var chars = [], nodes = [], offsets = [], lastSpace = true, node;
    while ((node = walker.nextNode())) {
      var value = node.nodeValue;
      for (var i = 0; i < value.length; i++) {
        var space = /\s/.test(value[i]);
        if (space && lastSpace) { continue; }
        chars.push(space ? " " : value[i]); nodes.push(node); offsets.push(i);
        lastSpace = space;
      }
    }
    return { text: chars.join(""), nodes: nodes, offsets: offsets };
  }

  function tailMatch(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) { n++; }
    return n;
  }

  function headMatch(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) { n++; }
    return n;
  }

  // The [start, end) of the best occurrence of the selector in `page.text`, or null.
  function locate(page, selector) {
    var exact = collapse(selector.exact || "");
    if (!exact) { return null; }
    var prefix = collapse(selector.prefix || ""), suffix = collapse(selector.suffix || "");
    var best = null, bestScore = -1;
    for (var at = page.text.indexOf(exact); at !== -1; at = page.text.indexOf(exact, at + 1)) {
      var before = page.text.slice(Math.max(0, at - prefix.length - 1), at).trim();
      var after = page.text.slice(at + exact.length, at + exact.length + suffix.length + 1).trim();
      var score = tailMatch(before, prefix) + headMatch(after, suffix);
      if (score > bestScore) { best = [at, at + exact.length]; bestScore = score; }
    }
    return best;
  }

  // Wrap the characters [start, end) of `page` in <mark>s, one per text node they cross.
  function wrap(page, start, end, className, title) {
    var marks = [], i = start;
    while (i < end) {
      var node = page.nodes[i], from = page.offsets[i], to = from;
      while (i < end && page.nodes[i] === node) { to = page.offsets[i] + 1; i++; }
      var range = document.createRange();
      range.setStart(node, from);
      range.setEnd(node, to);
      var mark = document.createElement("mark");
      mark.className = className;
      if (title) { mark.title = title; }
      range.surroundContents(mark);
      marks.push(mark);
    }
    return marks;
  }

  function clear(root) {
    root.querySelectorAll("mark.parallax-highlight").forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) { parent.insertBefore(mark.firstChild, mark); }
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  // Highlight each selector ({exact, prefix, suffix, type, explanation}); returns how many
  // were found on the page.
  function highlight(root, selectors) {
    clear(root);
    var found = 0;
    selectors.forEach(function (selector) {
      var page = pageText(root);
      var span = locate(page, selector);
      if (!span) { return; }
      var name = "parallax-highlight parallax-" + (selector.type || "difference");
      wrap(page, span[0], span[1], name, selector.explanation);
      found++;
    });
    return found;
  }

  return { highlight: highlight, clear: clear, locate: locate, pageText: pageText };
})();
