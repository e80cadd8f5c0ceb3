"""One module per publisher layout; each exposes ``PARSERS`` (see ``etl.sources.base``)."""
