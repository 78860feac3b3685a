/* Biosafety Clearing-House embeds. Include with
 *   <script src="https://<bch-host>/widgets.js" async></script>
 * and mark places with
 *   <div class="bch-embed" data-type="search" data-schema="biosafetyDecision" data-country="CA"
 *        data-lang="fr" data-q="maize" data-limit="10"></div>
 *   <div class="bch-embed" data-type="record" data-record-id="BCH-LMO-SCBD-12" data-lang="es"></div>
 * The real BCH's markup also works: class "scbd-chm-embed" with data-url (an embed URL of this
 * host) and data-locale; class "scbd-ch-embed" with data-type="record" data-record-id.
 * Each element becomes an iframe that resizes to its content: the frame posts
 * {type: "setClientHeight", height} and only messages from this script's own origin, coming
 * from one of the frames it created, are trusted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widgets\.js(\?|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script || !script.src) { return; }
  var base = new URL(script.src, document.baseURI);
  var ORIGIN = base.origin;
  var LANGS = ["ar", "en", "es", "fr", "ru", "zh"];
  var frames = [];

  function lang(el) {
    var value = (el.getAttribute("data-lang") || el.getAttribute("data-locale") || "en").toLowerCase();
    return LANGS.indexOf(value) >= 0 ? value : "en";
  }

  function embedUrl(el) {
    var url;
    var dataUrl = el.getAttribute("data-url");
    if (dataUrl) {
      url = new URL(dataUrl, ORIGIN);
      if (url.origin !== ORIGIN || url.pathname.indexOf("/embed/") !== 0) { return null; }
      if (!url.searchParams.has("lang")) { url.searchParams.set("lang", lang(el)); }
      return url;
    }
    var type = el.getAttribute("data-type") || "search";
    if (type === "record") {
      var id = el.getAttribute("data-record-id");
      if (!id) { return null; }
      url = new URL("/embed/records/" + encodeURIComponent(id), ORIGIN);
    } else if (type === "search") {
      url = new URL("/embed/search", ORIGIN);
      ["schema", "country", "q", "limit", "realm"].forEach(function (name) {
        var value = el.getAttribute("data-" + name);
        if (value) { url.searchParams.set(name, value); }
      });
    } else {
      return null;
    }
    url.searchParams.set("lang", lang(el));
    return url;
  }

  function mount(el) {
    if (el.getAttribute("data-bch-mounted")) { return; }
    var url = embedUrl(el);
    if (!url) {
      if (window.console) { console.warn("bch-embed: nothing to embed for", el); }
      return;
    }
    var frame = document.createElement("iframe");
    frame.src = url.toString();
    frame.title = el.getAttribute("data-title") || "Biosafety Clearing-House";
    frame.loading = "lazy";
    frame.setAttribute("scrolling", "no");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = (el.getAttribute("data-height") || "300") + "px";
    el.setAttribute("data-bch-mounted", "true");
    el.appendChild(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN) { return; }
    var data = event.data;
    if (!data || data.type !== "setClientHeight" || typeof data.height !== "number") { return; }
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(50, Math.min(20000, Math.ceil(data.height))) + "px";
      }
    }
  });

  function scan() {
    var found = document.querySelectorAll(".bch-embed, .scbd-chm-embed, .scbd-ch-embed");
    for (var i = 0; i < found.length; i++) { mount(found[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
  window.bchEmbeds = { scan: scan };
})();
