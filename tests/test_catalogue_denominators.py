"""The catalogue states each indicator's denominator as checked data."""
import pytest

from vocab.catalogue import INDICATORS, CatalogueError, load

BASE = '''
[topics]
t = ["Topic", "x"]

[count_ceilings]
district = 3_000_000
upper_tier = 3_000_000
combined_authority = 6_000_000
lep = 12_000_000
lsip = 12_000_000
region = 12_000_000
country = 70_000_000

[indicators.population]
label = "Population"
in_sentence = "population"
unit = "count"
aggregation = "sum"
polarity = ""
published_level = "district"
topic = "context"
decimals = 0
definition = "People."

[indicators.x]
label = "X"
in_sentence = "x"
unit = "percent"
polarity = "lower"
published_level = "district"
topic = "t"
decimals = 1
definition = "A rate."
'''


def _load(tmp_path, extra):
    path = tmp_path / "catalogue.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return load(path)


def test_rates_only_indicators_declare_their_population_band():
    for ind_id in ("claimant_rate_annual", "apprenticeship_starts_rate", "apprenticeship_achievements_rate"):
        ind = INDICATORS[ind_id]
        assert (ind.aggregation, ind.denominator, ind.population_band) == ("ratio", "population", "age=16-64"), \
            f"{ind_id} is combined by its published base, residents aged 16-64"
    assert INDICATORS["attainment8"].denominator == "pupils", "Attainment 8 combines by pupils"
    assert INDICATORS["progress8"].min < 0 < INDICATORS["progress8"].max, "Progress 8 can be negative"
    assert INDICATORS["progress8"].significance_reference == 0, "Progress 8 is judged against 0"


def test_a_good_population_weighted_entry_loads(tmp_path):
    indicators, *_rest = _load(tmp_path, 'aggregation = "ratio"\ndenominator = "population"\n'
                                               'population_band = "age=16+"\nmax = 100\n')
    assert indicators["x"].population_band == "age=16+" and indicators["x"].max == 100.0, "keys are read"


@pytest.mark.parametrize("extra, message", [
    ('aggregation = "ratio"\n', "needs a denominator"),
    ('aggregation = "ratio"\ndenominator = "population"\n', "population_band goes with"),
    ('aggregation = "ratio"\ndenominator = "published"\npopulation_band = "age=16-64"\n', "population_band goes with"),
    ('aggregation = "ratio"\ndenominator = "population"\npopulation_band = "16 to 64"\n', "not a population breakdown"),
    ('aggregation = "ratio"\ndenominator = "guesswork"\n', "denominator 'guesswork'"),
    ('aggregation = "none"\nmin = 5\nmax = 1\n', "not above min"),
    ('aggregation = "none"\nmin = "low"\n', "not a number"),
])
def test_impossible_entries_fail_naming_indicator_and_key(tmp_path, extra, message):
    with pytest.raises(CatalogueError, match=message) as info:
        _load(tmp_path, extra)
    assert "'x'" in str(info.value), "the message names the indicator"
