(function () {
  "use strict";
  var form = document.getElementById("settings");
  ParallaxSettings.load().then(function (values) {
    form.apiBase.value = values.apiBase;
    form.apiKey.value = values.apiKey;
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    ParallaxSettings.save({ apiBase: form.apiBase.value.replace(/\/+$/, ""), apiKey: form.apiKey.value })
      .then(function () { document.getElementById("saved").textContent = "Saved."; });
  });
})();
