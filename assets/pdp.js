/* Keep keyboard focus on the control a user just changed when the page re-renders from the URL. */
(function () {
  var KEY = "pdp-focus-id";
  document.addEventListener("change", function (event) {
    var el = event.target;
    var id = el && (el.id || (el.closest && el.closest("[id]") && el.closest("[id]").id));
    if (id) { window.sessionStorage.setItem(KEY, id); }
  }, true);
  new MutationObserver(function () {
    var id = window.sessionStorage.getItem(KEY);
    if (!id) { return; }
    var el = document.getElementById(id);
    if (el && document.activeElement !== el && (document.activeElement === document.body || !document.activeElement)) {
      el.focus();
      window.sessionStorage.removeItem(KEY);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

/* "Show as table": turn a chart's table data into an accessible HTML table the first time it is opened. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  pdp: {
    /* The shell's links (drawn once) keep the home area the current page's URL names (?home=). */
    keepHome: function (search, navHrefs, brandHref, dataHref) {
      var match = /(?:^|[?&])home=([^&#]*)/.exec(search || "");
      function keep(href) {
        var parts = String(href || "/").split("#");
        var path = parts[0].replace(/([?&])home=[^&]*&?/, "$1").replace(/[?&]$/, "");
        if (match && match[1]) { path += (path.indexOf("?") < 0 ? "?" : "&") + "home=" + match[1]; }
        return path + (parts.length > 1 ? "#" + parts.slice(1).join("#") : "");
      }
      return [(navHrefs || []).map(keep), keep(brandHref), keep(dataHref)];
    },
    renderTable: function (nClicks, data, current) {
      if (!data || current) { return window.dash_clientside.no_update; }
      function el(type, props) { return { type: type, namespace: "dash_html_components", props: props }; }
      var head = el("Thead", { children: el("Tr", { children: data.columns.map(function (c) {
        return el("Th", { children: c, scope: "col" }); }) }) });
      var body = el("Tbody", { children: data.rows.map(function (row) {
        return el("Tr", { children: row.map(function (v) { return el("Td", { children: v }); }) }); }) });
      var table = el("Table", { id: data.id, className: "table table-striped table-sm pdp-table",
        children: [el("Caption", { children: data.caption }), head, body] });
      return el("Div", { className: "table-responsive", tabIndex: "0", role: "region",
        "aria-label": "Table: " + data.caption, children: table });
    }
  }
});

/* Chart cards: "Copy link to this view" and "Copy embed code" (Clipboard API, with a visible
   confirmation; when copying is not allowed, a labelled text field holds the text to copy by hand). */
(function () {
  function textFor(button) {
    var url = window.location.origin + button.getAttribute("data-copy-path");
    if (button.getAttribute("data-copy-kind") !== "embed") { return url; }
    var title = (button.getAttribute("data-title") || "Chart").replace(/"/g, "&quot;");
    return '<iframe src="' + url.replace(/&/g, "&amp;").replace(/"/g, "&quot;") + '" title="' + title +
      '" width="100%" height="560" style="border:0" loading="lazy"></iframe>';
  }
  function fallback(button, status, text) {
    var id = status.id + "-text";
    var field = document.getElementById(id);
    if (!field) {
      var label = document.createElement("label");
      label.setAttribute("for", id);
      label.className = "small d-block pdp-copy-fallback-label";
      label.textContent = "Copy this text (Ctrl+C or Cmd+C):";
      field = document.createElement("input");
      field.id = id;
      field.type = "text";
      field.readOnly = true;
      field.className = "form-control form-control-sm pdp-copy-fallback";
      var wrap = document.createElement("div");
      wrap.className = "w-100";
      wrap.appendChild(label);
      wrap.appendChild(field);
      status.parentNode.appendChild(wrap);
    }
    field.value = text;
    field.focus();
    field.select();
    status.textContent = "Select the text below and copy it.";
  }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("button.pdp-copy");
    if (!button) { return; }
    var status = document.getElementById(button.getAttribute("data-status"));
    var text = textFor(button);
    var what = button.getAttribute("data-copy-kind") === "embed" ? "Embed code" : "Link";
    var done = function () { if (status) { status.textContent = what + " copied to the clipboard."; } };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(button, status, text); });
    } else {
      fallback(button, status, text);
    }
  });
})();

/* plotly.js (components/shell.py: PLOTLY_ASSET) is fetched by dcc.Graph from this site's copy, not the package's
   full bundle. With a first view on the page, only once a chart becomes interactive: the pointer, a touch or the
   keyboard reaches a chart's card, or a control changes the view. Until then the server's SVG stays where
   React's chart will be (below), so a reader who only reads never downloads plotly.js. */
(function () {
  var url = null;
  try { url = JSON.parse(document.getElementById("_dash-config").textContent).plotlyjs_url; } catch (e) { return; }
  if (!url) { return; }
  Object.defineProperty(window, "_dashPlotlyJSURL", { configurable: true, get: function () { return url; },
                                                      set: function () {} });
  if (!document.getElementById("pdp-static") || window.Plotly) { return; }
  var real = null, waiting = [], requested = false;
  // dcc.Graph asks for window.Plotly and waits on it (Promise.resolve adopts this thenable): its charts stay
  // in React's Suspense fallback until plotly.js is here.
  var gate = { then: function (resolve, reject) { waiting.push([resolve, reject]); load(); } };
  var lazy = true;
  function load() {
    if (requested || lazy) { return; }
    requested = true;
    var script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = function () { waiting.splice(0).forEach(function (w) { w[0](); }); };
    script.onerror = function (e) { waiting.splice(0).forEach(function (w) { w[1](e); }); };
    document.body.appendChild(script);
  }
  Object.defineProperty(window, "Plotly", { configurable: true, get: function () { return real || gate; },
                                           set: function (v) { real = v; } });
  window.pdpLoadPlotly = function () { lazy = false; load(); };
  function near(event) {
    var el = event.target;
    if (el && el.closest && el.closest("#react-entry-point .pdp-card, #react-entry-point .dash-graph")) {
      window.pdpLoadPlotly();
    }
  }
  ["pointerover", "focusin", "touchstart"].forEach(function (name) {
    document.addEventListener(name, near, { capture: true, passive: true });
  });
  document.addEventListener("change", function (event) {  // a new view: its charts are React's to draw
    if (event.target && event.target.closest && event.target.closest("#react-entry-point")) {
      window.pdpLoadPlotly();
    }
  }, true);
})();

/* First view (components/first_view.py): the server-rendered page (#pdp-static) shows until React's copy of
   the page is there, in the same place and size; then React's replaces it, keeping focus and scroll. Each
   server chart SVG then stays over React's chart (same box, same frame) until plotly.js draws there.
   React owns the chart's frame and may render it anew (Dash remounts a whole page when a callback returns
   it), so the SVG is not left to sit in a frame React may drop: whenever React's page changes, each SVG is put
   back over the chart with its place in the page (the n-th chart), until plotly.js has drawn that chart, the
   reader changes the view or the URL changes. */
(function () {
  var root = document.getElementById("react-entry-point");
  if (!root || !document.getElementById("pdp-static")) { return; }
  function graphs(el) { return el.querySelectorAll(".dash-graph"); }  // the boxes moved over them are not
  function ready() {
    var content = root.querySelector("#_pages_content");
    var staticCopy = document.getElementById("pdp-static");
    return !!(content && content.firstElementChild && staticCopy
              && graphs(root).length === graphs(staticCopy).length);
  }
  var kept = [], view = here();  // the server's chart boxes, by React's chart (n-th), and the URL they show
  var keeper = new MutationObserver(place);
  function here() { return window.location.pathname + window.location.search; }
  function release(entry) {
    entry.box.remove();
    if (entry.frame) { entry.frame.style.minHeight = entry.minHeight; entry.frame.classList.remove("pdp-static-frame"); }
    entry.frame = null;
    entry.done = true;
  }
  function dropAll() {
    kept.forEach(function (entry) { if (!entry.done) { release(entry); } });
    kept = [];
    keeper.disconnect();
  }
  function place() {
    if (here() !== view) {  // another view or page (a link, back or forward): its charts are React's to draw
      dropAll();
      if (window.pdpLoadPlotly) { window.pdpLoadPlotly(); }
      return;
    }
    if (!kept.length) { return; }  // a page without charts: watched only for the reader moving on
    var targets = graphs(root);
    if (targets.length !== kept.length) { return; }  // not this view's page (yet)
    var left = 0;
    for (var i = 0; i < kept.length; i++) {
      var entry = kept[i], graph = targets[i];
      if (entry.done) { continue; }
      if (graph.querySelector(".main-svg")) { release(entry); continue; }  // plotly.js has drawn it
      left++;
      var frame = graph.parentNode;
      if (entry.box.parentNode === frame && entry.box.nextElementSibling === graph) { continue; }
      if (entry.frame && entry.frame !== frame) { entry.frame.style.minHeight = entry.minHeight; }
      if (entry.frame !== frame) {
        entry.frame = frame;
        entry.minHeight = frame.style.minHeight;
        frame.classList.add("pdp-static-frame");
        frame.style.minHeight = entry.box.style.height;  // React's chart waits for plotly.js without a height
      }
      frame.insertBefore(entry.box, graph);
    }
    if (!left) { kept = []; keeper.disconnect(); }
  }
  document.addEventListener("change", function (event) {  // a new view: the server's charts show the old one
    if (event.target && event.target.closest && event.target.closest("#react-entry-point")) { dropAll(); }
  }, true);
  function swap() {
    var staticCopy = document.getElementById("pdp-static");
    if (!staticCopy) { return; }
    observer.disconnect();
    var focused = document.activeElement;
    var focusId = focused && staticCopy.contains(focused) && focused.id ? focused.id.replace(/^ssr-/, "") : null;
    var y = window.scrollY;
    var boxes = graphs(staticCopy), targets = graphs(root), drawNow = boxes.length !== targets.length;
    if (!drawNow) {
      for (var i = 0; i < boxes.length; i++) {
        if (!boxes[i].querySelector("svg")) { drawNow = true; }  // the server had not drawn it in time
        boxes[i].removeAttribute("id");
        boxes[i].className = "pdp-static-graph pdp-static-over";
        kept.push({ box: boxes[i], frame: null, minHeight: "", done: false });
      }
      place();
    }
    keeper.observe(root, { childList: true, subtree: true });
    if (drawNow && window.pdpLoadPlotly) { window.pdpLoadPlotly(); }  // an empty box: plotly.js draws it now
    staticCopy.remove();
    root.classList.remove("pdp-pending");
    window.scrollTo({ top: y, behavior: "instant" });
    if (focusId && document.getElementById(focusId)) { document.getElementById(focusId).focus(); }
  }
  var observer = new MutationObserver(function () { if (ready()) { swap(); } });
  observer.observe(root, { childList: true, subtree: true });
  window.setTimeout(swap, 15000);  // never leave the page without interactivity
})();
