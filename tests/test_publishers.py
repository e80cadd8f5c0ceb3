"""publishers.toml is read by one loader that checks it: fetch, the parsers and the reports all use it."""
from __future__ import annotations

import pytest

from etl import fetch, publishers
from etl.sources.base import source_meta


def write(tmp_path, text: str):
    path = tmp_path / "publishers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_file_describes_every_source_and_hmrc_facts():
    _, sources = publishers.load()
    hmrc = sources["hmrc_cjrs"]
    assert hmrc.releases["2020-08"].period == "2020-06" and hmrc.undated_release == "2020-08", \
        "HMRC's August 2020 release is cumulative to June 2020, and undated files are taken to be it"
    assert hmrc.reported_with == {"E09000001": "E09000033", "E06000053": "E06000052"}, \
        "City of London is published with Westminster, the Isles of Scilly with Cornwall"
    manual = {s for s, source in sources.items() if not source.downloads}
    assert {"dfe_lait", "ons_els_claimant_count", "ons_mid_year_population"} <= manual, \
        "sources read from hand-downloaded files are described too, without downloads"
    assert not manual & set(fetch.load_config()[1]), "fetch leaves the hand-downloaded sources alone"


def test_parsers_name_a_source_as_the_file_does():
    meta = source_meta("ons_nomis_claimant_count", release_date="2026-11-11")
    known = publishers.source("ons_nomis_claimant_count")
    assert (meta.publisher, meta.title, meta.url, meta.next_update) == \
        (known.publisher, known.title, known.landing_page, known.next_update), "the parser's meta is the file's"
    assert meta.release_date == "2026-11-11", "what a file states about itself is kept"


def test_unknown_and_missing_keys_are_named(tmp_path):
    path = write(tmp_path, '[sources.x]\npublisher = "P"\ntitle = "T"\nlanding_page = "https://p"\npublsher = "typo"\n'
                           '[sources.y]\npublisher = "P"\ntitle = "T"\n')
    with pytest.raises(publishers.PublishersError) as err:
        publishers.load(path)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "source x" in text and "publsher" in text, f"the unknown key is named with its source: {text}"
    assert "source y" in text and "landing_page" in text, f"the missing key is named with its source: {text}"


def test_a_fetched_source_needs_its_host_and_next_update(tmp_path):
    path = write(tmp_path, '[sources.x]\npublisher = "P"\ntitle = "T"\nlanding_page = "https://p"\n'
                           '[[sources.x.downloads]]\nkind = "csv"\nurl = "https://p/x.csv"\noutput = "x.csv"\n')
    with pytest.raises(publishers.PublishersError, match="host, next_update"):
        publishers.load(path)
