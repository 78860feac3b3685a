/* Biosafety Clearing-House: lists of central records in a national site, without a node
 * (the successor of the old BCH Ajax plug-in). Include once with
 *   <script src="https://<bch-host>/embed/bch.js"></script>
 * then, where the list goes,
 *   <div id="bch-decisions"></div>
 *   <script>BCH.list({schema: "biosafetyDecision", country: "CA", locale: "fr",
 *                     container: "bch-decisions", limit: 10});</script>
 * The legacy call still works: GenerateRecords("decisions", "CA", "fr", "bch-decisions").
 * The list is fetched from this host's /api/v1/embed/records (CORS, no cookies sent) and built
 * with DOM nodes and text only (no HTML from the network); links open the central's pages.
 * Both return a Promise resolving to the number of records shown. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/embed\/bch\.js(\?|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script || !script.src) { return; }
  var ORIGIN = new URL(script.src, document.baseURI).origin;
  var LANGS = ["ar", "en", "es", "fr", "ru", "zh"];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function render(box, body) {
    var section = el("section", "bch-list");
    section.setAttribute("lang", body.lang);
    if (body.lang === "ar") { section.setAttribute("dir", "rtl"); }
    section.appendChild(el("h3", "bch-list-heading", body.heading));
    if (!body.items.length) {
      section.appendChild(el("p", "bch-list-none", body.texts.none));
    } else {
      var ul = el("ul", "bch-list-items");
      body.items.forEach(function (item) {
        var li = el("li", "bch-list-item");
        li.setAttribute("data-uid", item.uid);
        var a = el("a", null, item.title);
        a.href = new URL(item.url, ORIGIN).toString();
        a.target = "_blank";
        a.rel = "noopener";
        li.appendChild(a);
        var meta = item.type + (item.country ? " · " + item.country : "") + " · " + item.uid;
        li.appendChild(el("div", "bch-list-meta", meta));
        ul.appendChild(li);
      });
      section.appendChild(ul);
    }
    if (body.more) {
      var more = el("a", "bch-list-more", body.texts.more);
      more.href = new URL(body.more, ORIGIN).toString();
      more.target = "_blank";
      more.rel = "noopener";
      section.appendChild(more);
    }
    box.textContent = "";
    box.appendChild(section);
    return body.items.length;
  }

  function list(options) {
    options = options || {};
    var box = options.container;
    if (typeof box === "string") { box = document.getElementById(box); }
    if (!box) { return Promise.reject(new Error("bch.js: no container " + options.container)); }
    var locale = String(options.locale || options.lang || "en").toLowerCase().slice(0, 2);
    var url = new URL("/api/v1/embed/records", ORIGIN);
    if (options.schema) { url.searchParams.set("schema", options.schema); }
    if (options.country) { url.searchParams.set("country", options.country); }
    url.searchParams.set("lang", LANGS.indexOf(locale) >= 0 ? locale : "en");
    if (options.limit) { url.searchParams.set("limit", String(options.limit)); }
    return fetch(url.toString(), { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.message || ("HTTP " + response.status)); }
          return render(box, body);
        });
      })
      .catch(function (error) {
        box.textContent = "";
        box.appendChild(el("p", "bch-list-error", "Biosafety Clearing-House: " + error.message));
        throw error;
      });
  }

  window.BCH = window.BCH || {};
  window.BCH.list = list;
  /* the old plug-in's call: schema (a schema key or a short plural name such as "decisions"),
   * country (ISO code), locale (ar en es fr ru zh), container (an element id) */
  window.GenerateRecords = function (schema, country, locale, container) {
    return list({ schema: schema, country: country, locale: locale, container: container });
  };
})();
