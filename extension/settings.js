// The extension's settings: the API's base URL and key, in the browser's extension storage.
var ParallaxSettings = {
  defaults: { apiBase: "http://127.0.0.1:8000", apiKey: "" },
  load: function () {
    return chrome.storage.local.get(ParallaxSettings.defaults);
  },
  save: function (values) {
    return chrome.storage.local.set(values);
  }
};
