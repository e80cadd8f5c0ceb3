"""The pre-publication gallery: every chart of a release as PNG with its summary, on one page.

``python -m gallery [--release ID] [--out DIR]`` renders each measure x chart kind (for the home area's
districts and one district, plus a second, unitary district for the per-district charts) through the
same chart registry the pages, downloads and embeds use, so an analyst sees exactly what 150
stakeholders will see before a release goes out. It reads releases; it never builds one.
"""
