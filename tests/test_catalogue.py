"""The catalogue declares each indicator's domain, and the loader refuses a domain that cannot be."""
import pytest

from vocab.catalogue import COUNT_CEILINGS, INDICATORS, CatalogueError, load
from vocab.levels import AREA_LEVELS
from vocab.periods import period_bounds

CEILINGS = "\n".join(f"{level} = 1_000_000" for level in AREA_LEVELS)


def catalogue(tmp_path, extra: str = "", ceilings: str = CEILINGS):
    path = tmp_path / "catalogue.toml"
    path.write_text(f"""[topics]
jobs = ["Jobs", "claimant_rate"]

[count_ceilings]
{ceilings}

[indicators.claimant_rate]
label = "Claimant rate"
in_sentence = "claimant rate"
unit = "percent"
aggregation = "ratio"
polarity = "lower"
published_level = "district"
topic = "jobs"
decimals = 1
definition = "Claimants as a percentage of residents aged 16 to 64."
denominator = "published"
{extra}
""")
    return path


def test_every_indicator_declares_its_domain():
    for ind in INDICATORS.values():
        assert ind.earliest_period and period_bounds(ind.earliest_period), \
            f"{ind.id} declares the earliest period its series can have"
        if ind.unit != "count":
            assert ind.max is not None, f"{ind.id} (a {ind.unit}) declares its largest possible value"
    assert INDICATORS["attainment8"].min == 0 and INDICATORS["attainment8"].max == 90, "Attainment 8 runs 0-90"
    assert all(INDICATORS[i].max == 100 for i in INDICATORS if INDICATORS[i].unit == "percent"), "percent <= 100"
    assert INDICATORS["claimant_count"].is_whole and not INDICATORS["claimant_rate"].is_whole, \
        "counts are whole numbers, rates are not"
    assert set(COUNT_CEILINGS) == set(AREA_LEVELS) and COUNT_CEILINGS["district"] < 5_000_000, \
        "every area level has a ceiling, a district's a few million"


def test_a_valid_domain_loads(tmp_path):
    indicators, *_rest, ceilings = load(catalogue(tmp_path, 'max = 100\nearliest_period = "1971-01"'))
    assert indicators["claimant_rate"].max == 100 and ceilings["district"] == 1_000_000, "the keys are read"


@pytest.mark.parametrize("extra, says", [
    ("max = 0", "is not above min"),
    ('max = "a hundred"', "is not a number"),
    ('earliest_period = "March 1971"', "is not a period label"),
    ('earliest_period = "2021-01"\nlatest_period = "2020-12"', "latest_period is before earliest_period"),
    ('whole_numbers = "yes"', "is not true or false"),
])
def test_an_impossible_domain_is_refused(tmp_path, extra, says):
    with pytest.raises(CatalogueError, match=says):
        load(catalogue(tmp_path, extra))


def test_count_ceilings_must_cover_every_level(tmp_path):
    with pytest.raises(CatalogueError, match="missing area level"):
        load(catalogue(tmp_path, ceilings="district = 3_000_000"))
    with pytest.raises(CatalogueError, match="not a positive number"):
        load(catalogue(tmp_path, ceilings=CEILINGS.replace("1_000_000", "-1", 1)))
