/* Inside an embed frame: report the content height to the embedding page (widgets.js). */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = 0;
  function report() {
    // the content's own height (documentElement.scrollHeight never drops below the frame's)
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "setClientHeight", height: height }, "*");
    }
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  report();
})();
