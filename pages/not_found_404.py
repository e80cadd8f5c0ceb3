"""The friendly 404 page (Dash Pages uses the module named ``not_found_404`` for unknown paths)."""
import dash

from components.cards import friendly_message

dash.register_page(__name__, path="/404", name="Page not found", title="Page not found - Partner Data Pack")


def layout(**_ignored):
    return friendly_message("Page not found", "We couldn't find that page. It may have moved, or the link "
                            "may be mistyped.")
