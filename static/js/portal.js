/* Portal-wide behaviour without inline handlers (the Content-Security-Policy forbids onclick=… and inline scripts).
   - <select data-autosubmit> submits its form when changed.
   - <form data-confirm="question"> asks before submitting. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
})();
