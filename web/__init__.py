"""Serving on the web: security headers, the callback guard, offline PDF printing, bounded export cache."""
