"""Names vulture cannot see being used (run by scripts/deadcode.sh): hooks Flask and Dash call, attributes
openpyxl and werkzeug read, template fields. Everything else vulture reports is a candidate to delete."""
_.index_string  # Dash reads it to render the HTML document (components/shell.py)
write_url  # Dash callbacks, registered by their decorator (components/topic_page.py, pages/compare.py)
requested  # Resolved.requested: the record says which area was asked for (data_access.py)
anchor  # gallery/templates/index.html links each chart by it
_.freeze_panes, _.tableStyleInfo, _.data_type, _.quotePrefix  # openpyxl reads them when saving (reuse/data_files.py)
_unknown_suite_file, _headers, _no_release, _serve_cached, _framable_policy, _complete_policy  # Flask hooks
_home_from_query, _forget_home  # Flask hooks (web/home_area.py)
_.direct_passthrough, _.pdp_router_key  # werkzeug response and Flask g attributes (web/router_cache.py)
_.version_string  # werkzeug's request handler calls it for the Server header (web/security.py)
healthz, readyz  # Flask routes, registered by their decorator (web/health.py)
