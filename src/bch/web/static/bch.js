/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  // External-database matches on the LMO page: loaded on request (the button), or at once for
  // those who ticked "always load" (a cookie, so that the page is rendered with data-auto).
  document.querySelectorAll("[data-fragment]").forEach(function (box) {
    var out = box.querySelector(".external-result") || box;
    var button = box.querySelector("[data-load-external]");
    var auto = box.querySelector("[data-auto-external]");
    function load() {
      if (button) button.setAttribute("aria-disabled", "true");
      box.setAttribute("aria-busy", "true");
      fetch(box.getAttribute("data-fragment"), { headers: { "HX-Request": "true" } })
        .then(function (r) { return (r.headers.get("content-type") || "").indexOf("text/html") === 0 ? r.text() : null; })
        .then(function (html) {
          box.removeAttribute("aria-busy");
          if (!html) return;
          out.innerHTML = html;
          if (button) button.hidden = true;
        })
        .catch(function () { box.removeAttribute("aria-busy"); if (button) button.removeAttribute("aria-disabled"); });
    }
    if (button) button.addEventListener("click", function (e) { e.preventDefault(); load(); });
    if (auto) {
      auto.closest("label").hidden = false;
      auto.addEventListener("change", function () {
        document.cookie = "bch_external=" + (auto.checked ? "auto" : "") + "; path=/; max-age=" + (auto.checked ? 31536000 : 0) + "; samesite=lax";
        if (auto.checked) load();
      });
    }
    if (box.getAttribute("data-auto") === "true") load();
  });
  // Per-language tabs for text fields in forms.
  document.querySelectorAll(".tabs").forEach(function (tabs) {
    var buttons = tabs.querySelectorAll("[role=tab]");
    function show(btn) {
      buttons.forEach(function (b) {
        var on = b === btn;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.tabIndex = on ? 0 : -1;
        document.getElementById(b.getAttribute("aria-controls")).hidden = !on;
      });
    }
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { show(b); });
      b.addEventListener("keydown", function (e) {
        var dir = document.documentElement.dir === "rtl" ? -1 : 1;
        var next = e.key === "ArrowRight" ? i + dir : e.key === "ArrowLeft" ? i - dir : null;
        if (next === null) return;
        var target = buttons[(next + buttons.length) % buttons.length];
        target.focus(); show(target); e.preventDefault();
      });
    });
    tabs.classList.add("enhanced");
    if (buttons.length) show(buttons[0]);
  });
  // Search inside a term or reference picker.
  document.querySelectorAll("[data-filter]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter"));
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      list.querySelectorAll("label").forEach(function (l) {
        l.hidden = q && l.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  // Conditional fields: show a field only while its shownWhen conditions hold.
  var form = document.querySelector("form.record");
  if (form) {
    var update = function () {
      form.querySelectorAll("[data-shown-when]").forEach(function (box) {
        var conds = JSON.parse(box.getAttribute("data-shown-when"));
        var ok = conds.some(function (c) {
          var els = form.querySelectorAll('[name="' + c.field + '"]');
          var vals = [];
          els.forEach(function (el) {
            if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
            if (el.value !== "") vals.push(el.value);
          });
          if (c.present !== undefined && c.present !== null) return (vals.length > 0) === c.present;
          if (c.contains) {
            // the term or any narrower term (the form lists them in `matches`)
            var terms = (c.matches || [c.contains]).map(function (t) { return t.toLowerCase(); });
            return vals.some(function (v) { return terms.indexOf(v.toLowerCase()) >= 0; });
          }
          return vals.indexOf(String(c.equals)) >= 0;
        });
        box.hidden = !ok;
      });
    };
    form.addEventListener("change", update);
    update();
  }
})();
/* Reference pickers: typing searches the published records of the allowed types and offers
   them as checkboxes (without this script, identifiers typed in the box are resolved on save). */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  document.querySelectorAll("[data-reference]").forEach(function (input) {
    var name = input.getAttribute("data-reference");
    var schemas = (input.getAttribute("data-schemas") || "").split(",").filter(Boolean);
    var box = document.getElementById("g-" + name);
    var chosen = document.getElementById("c-" + name);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { box.textContent = ""; return; }
      timer = setTimeout(function () {
        var params = new URLSearchParams({ q: q, limit: "8", lang: lang });
        schemas.forEach(function (s) { params.append("schema", s); });
        fetch("/api/v1/records?" + params.toString())
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            box.textContent = "";
            (data.items || []).forEach(function (item) {
              var title = typeof item.title === "string" ? item.title
                : (item.title && (item.title[lang] || item.title.en || Object.values(item.title)[0])) || item.identifier;
              var b = document.createElement("button");
              b.type = "button"; b.className = "secondary suggestion"; b.textContent = "+ " + title;
              b.addEventListener("click", function () {
                var label = document.createElement("label");
                var cb = document.createElement("input");
                cb.type = "checkbox"; cb.name = name; cb.value = item.identifier; cb.checked = true;
                label.appendChild(cb); label.appendChild(document.createTextNode(" " + title));
                chosen.appendChild(label); b.remove(); input.value = ""; input.focus();
              });
              box.appendChild(b);
            });
          })
          .catch(function () {});
      }, 250);
    });
  });
})();
