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
