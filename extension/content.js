// Answers the side panel: the page as the reader has it, and highlights to place on it.
chrome.runtime.onMessage.addListener(function (message, _sender, reply) {
  if (message.type === "parallax:page") {
    reply({ url: location.href, html: document.documentElement.outerHTML });
  } else if (message.type === "parallax:highlight") {
    reply({ found: ParallaxAnchor.highlight(document.body, message.selectors) });
  } else if (message.type === "parallax:clear") {
    ParallaxAnchor.clear(document.body);
    reply({});
  }
});
