"""Chart reuse outside the dashboard: data files, framed images, PDFs and the browser that renders them.

Plain Python (no Dash, no Flask): the web layer's routes and the gallery call it, and so do the tests.
"""
