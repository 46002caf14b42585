// Progressive enhancement for the Charter dashboard; every page works without it.
// - a heat-map cell opens its distributions in the panel below the map instead of a new page;
// - a <select data-autosubmit> submits its form when changed.
(function () {
  "use strict";

  function openFragment(link) {
    var panel = document.getElementById("distribution");
    if (!panel) { return false; }
    var url = link.getAttribute("href") + "&fragment=1";
    panel.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        return response.text().then(function (text) { return { ok: response.ok, text: text }; });
      })
      .then(function (result) {
        if (!result.ok) { window.location.href = link.getAttribute("href"); return; }
        panel.innerHTML = result.text;
        panel.removeAttribute("aria-busy");
        panel.focus();
        panel.scrollIntoView({ block: "nearest" });
      })
      .catch(function () { window.location.href = link.getAttribute("href"); });
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-fragment]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    if (openFragment(link)) { event.preventDefault(); }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
})();
