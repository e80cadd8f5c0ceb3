"""ONS boundaries (GeoPackage / GeoJSON / TopoJSON) and lookups (hierarchy, names, changes)."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import shapely

from etl.errors import SourceFormatError
from etl.sources.base import RawFile, detect
from etl.sources import ons_boundaries, ons_geography
from etl.sources.ons_boundaries import SIMPLIFY_TOLERANCE

FIXTURES = Path(__file__).parent / "fixtures" / "ons_geography"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "boundaries"
(LOOKUPS,), (BOUNDARIES,) = ons_geography.PARSERS, ons_boundaries.PARSERS
LANCASHIRE_LEP = sorted(["E06000008", "E06000009"] + [f"E07000{n}" for n in range(117, 129)])


def lookup(path: Path):
    raw = RawFile.at(path)
    assert LOOKUPS.sniff(raw) and not BOUNDARIES.sniff(raw), f"only the lookup parser claims {path.name}"
    return LOOKUPS.parse(raw)


def boundaries(path: Path):
    raw = RawFile.at(path)
    assert BOUNDARIES.sniff(raw) and not LOOKUPS.sniff(raw), f"only the boundary parser claims {path.name}"
    return BOUNDARIES.parse(raw)


# --- lookups ------------------------------------------------------------------------------------

def test_ltla_lookup_gives_parents_but_no_self_or_metropolitan_county():
    result = lookup(FIXTURES / "ltla_lookup.csv")
    table = result.table
    assert result.kind == "hierarchy" and result.meta.source_id == "ons_lookups", "a hierarchy from ons_lookups"
    assert list(table.columns) == ["child_code", "child_name", "parent_code", "parent_name", "parent_level",
                                   "vintage", "source_row", "source_column"], \
        "the hierarchy contract's columns, then the vintage and where each row came from"
    assert table["vintage"].isna().all(), "ltlacd/ctycd headings and no title state no vintage"
    burnley = table[table["child_code"] == "E07000117"].set_index("parent_level")["parent_code"].to_dict()
    assert burnley == {"upper_tier": "E10000017", "region": "E12000002", "country": "E92000001"}, \
        "an E07 district gets its county, region and country"
    blackpool = table[table["child_code"] == "E06000009"]
    assert "upper_tier" not in set(blackpool["parent_level"]), "a unitary gets no upper-tier row (it is its own)"
    bolton = table[table["child_code"] == "E08000001"].set_index("parent_level")["parent_code"].to_dict()
    assert bolton.get("combined_authority") == "E47000001", "combined authority kept"
    assert "E11000001" not in set(table["parent_code"]), "metropolitan counties are skipped"
    assert not table["child_code"].str.startswith("W").any(), "only English districts"


def test_generic_lookup_with_two_lep_columns():
    table = lookup(FIXTURES / "lad_lep_two_parents.csv").table
    cambs = table[table["child_code"] == "E07000012"]
    assert sorted(cambs["parent_code"]) == ["E37000008", "E37000022"], "a district in two LEPs gets both"
    assert set(table["parent_level"]) == {"lep"}, "LEPyyCD columns are LEP parents"
    assert table[table["child_code"] == "E06000009"]["parent_name"].tolist() == ["Lancashire"], "names kept"


def test_lep_code_list_is_names():
    result = lookup(FIXTURES / "lep_names.csv")
    assert result.kind == "names", "a single code/name pair is a names table"
    first = result.table.drop(columns=["source_row"]).to_dict("records")[0]
    assert first == {"area_code": "E37000019", "area_name": "Lancashire", "area_level": "lep"}, "BOM stripped, level lep"


def test_changes_file():
    result = lookup(FIXTURES / "changes.csv")
    assert result.kind == "changes", "oldcd/newcd/type/start is the changes table"
    rows = result.table.set_index("old_code")
    assert rows.loc["E07000004", "new_code"] == "E06000060" and rows.loc["E07000004", "year"] == 2020, \
        "Aylesbury Vale merged into Buckinghamshire in 2020"
    assert rows.loc["E07000004", "change_type"] == "merger", "change type as published"
    assert rows.loc["E10000002", "new_code"] is None, "a termination has no successor"


def test_lookup_bad_codes_are_all_reported():
    with pytest.raises(SourceFormatError) as exc:
        lookup(FIXTURES / "lookup_bad_code.csv")
    text = str(exc.value)
    assert "row 3 column LAD21CD" in text and "'Blackburn'" in text, "a non-GSS district code names row and column"
    assert "row 4 column LEP21CD" in text and "'LEP-19'" in text, "every bad code is listed in one error"


def test_truncated_lookup_line():
    with pytest.raises(SourceFormatError) as exc:
        lookup(FIXTURES / "lookup_truncated.csv")
    assert "row 3" in str(exc.value) and "cut short" in str(exc.value), "a cut-short row is reported"


def test_empty_file_is_not_a_lookup_or_boundary():
    raw = RawFile.at(FIXTURES / "empty.csv")
    assert not LOOKUPS.sniff(raw) and not BOUNDARIES.sniff(raw), "an empty file is claimed by neither parser"
    with pytest.raises(SourceFormatError) as exc:
        LOOKUPS.parse(raw)
    assert "empty" in str(exc.value), "parsing it says the file is empty"
    with pytest.raises(SourceFormatError):
        BOUNDARIES.parse(raw)


def test_lookup_sheet_is_chosen_by_its_headers(tmp_path):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Sources"
    first.append(["Lookup sources", None])
    first.append(["LAD_to_LSIP", "https://geoportal.statistics.gov.uk/"])
    codes_only = book.create_sheet("Sheet2")
    codes_only.append(["LSIP23CD", "LSIP23NM"])
    codes_only.append(["E69000019", "Lancashire"])
    table = book.create_sheet("LAD_to_LSIP")
    table.append(["LAD23CD", "LAD23NM", "LSIP23CD", "LSIP23NM", "ObjectId"])
    table.append(["E06000009", "Blackpool", "E69000019", " Lancashire ", 1])
    path = tmp_path / "lookup.xlsx"
    book.save(path)
    result = lookup(path)
    assert result.kind == "hierarchy", "the district -> LSIP sheet wins over the code list and the sources sheet"
    assert result.table.drop(columns=["source_row", "source_column"]).to_dict("records") == [{
        "child_code": "E06000009", "child_name": "Blackpool", "parent_code": "E69000019", "parent_name": "Lancashire",
        "parent_level": "lsip", "vintage": 2023}], "names are trimmed; LSIP23CD states the 2023 vintage"


# --- boundaries ---------------------------------------------------------------------------------

def test_geojson_in_british_national_grid_is_reprojected():
    result = boundaries(FIXTURES / "lad_bng.geojson")
    gdf = result.table
    assert result.kind == "boundaries" and result.meta.source_id == "ons_boundaries", "boundaries from ONS"
    assert gdf.crs.to_epsg() == 4326, "output is WGS84"
    assert list(gdf.columns) == ["area_code", "area_name", "area_level", "geometry"], "the boundaries contract"
    assert gdf["area_code"].tolist() == ["E06000009", "E07000119"], "only English codes, sorted"
    minx, miny, maxx, maxy = gdf.total_bounds
    assert -4 < minx < maxx < -2 and 53 < miny < maxy < 55, "coordinates are lon/lat around the Fylde coast"
    assert set(gdf["area_level"]) == {"district"}, "LAD codes are districts"
    assert gdf.is_valid.all(), "valid shapes"


def test_geojson_lep_in_wgs84():
    gdf = boundaries(FIXTURES / "lep_wgs84.geojson").table
    assert gdf.set_index("area_code").loc["E37000019", "area_name"] == "Lancashire", "LEP21CD/LEP21NM read"
    assert set(gdf["area_level"]) == {"lep"}, "LEP codes are LEPs"


def test_topojson_takes_ltla_current_and_older_codes():
    result = boundaries(FIXTURES / "ltla_tiny.topojson")
    gdf = result.table.set_index("area_code")
    assert sorted(gdf.index) == ["E06000060", "E07000004", "E07000117"], \
        "the ltla layer: current codes plus older codes so older data joins; Welsh and region layer left out"
    assert gdf.loc["E07000117", "area_name"] == "Burnley", "for a repeated code the current shape wins"
    assert gdf.loc["E06000060", "geometry"].area < gdf.loc["E07000004", "geometry"].area, \
        "each code keeps its own shape"
    assert result.table.crs.to_epsg() == 4326, "TopoJSON without a CRS is read as WGS84"


def test_geojson_without_code_property():
    with pytest.raises(SourceFormatError) as exc:
        boundaries(FIXTURES / "no_code_property.geojson")
    text = str(exc.value)
    assert "no area code property" in text and "name, population" in text, \
        "the error lists the properties found and what was expected"


def test_simplification_keeps_shared_borders(tmp_path):
    src = FIXTURES / "lad_bng.geojson"
    gdf = boundaries(src).table.set_index("area_code")
    shared = gdf.loc["E06000009", "geometry"].intersection(gdf.loc["E07000119", "geometry"])
    assert shared.length > 0 and gdf.loc["E06000009", "geometry"].overlaps(gdf.loc["E07000119", "geometry"]) is False, \
        "neighbours still share their border and do not overlap after simplification"
    assert SIMPLIFY_TOLERANCE <= 0.002, "the tolerance stays fine enough for district maps"


# --- real extracts ------------------------------------------------------------------------------

@pytest.fixture
def real() -> Path:
    if not REAL.exists():
        pytest.skip("../shared/data/real not present: real-extract tests need the shared folder beside the repo")
    return REAL


def test_real_geopackage_districts(real):
    raw = RawFile.at(real / "Local_Authority_Districts_December_2022_UK_BUC_V2.gpkg")
    assert detect(raw) is BOUNDARIES, "exactly one parser claims the GeoPackage"
    gdf = BOUNDARIES.parse(raw).table
    assert len(gdf) >= 300 and gdf["area_code"].str.startswith("E").all(), ">= 300 English districts only"
    assert gdf.crs.to_epsg() == 4326 and gdf.is_valid.all(), "WGS84 and valid"
    assert "E06000009" in set(gdf["area_code"]), "Blackpool present"
    assert sum(len(b) for b in shapely.to_wkb(gdf.geometry.values)) < 2_000_000, "small enough for the web"


def test_real_lep_geojson(real):
    gdf = boundaries(real / "Local_Enterprise_Partnerships_(May_2021)_EN_BUC.geojson").table
    assert "E37000019" in set(gdf["area_code"]), "Lancashire LEP present"
    assert gdf.crs.to_epsg() == 4326 and gdf.is_valid.all(), "WGS84 and valid"


def test_real_topojson_districts(real):
    gdf = boundaries(real / "ons_uk_topojson_2014_2025.json").table
    codes = set(gdf["area_code"])
    assert set(LANCASHIRE_LEP) <= codes, "every Lancashire district present"
    assert {"E07000004", "E06000060"} <= codes, "old Aylesbury Vale kept beside today's Buckinghamshire"
    assert gdf["area_code"].is_unique and gdf.is_valid.all(), "one valid shape per code"
    assert sum(len(b) for b in shapely.to_wkb(gdf.geometry.values)) < 2_000_000, "small enough for the web"


def test_real_lad_to_lep_xlsx(real):
    result = lookup(real / "lad_to_lep_2020_lookup.xlsx")
    table = result.table
    members = sorted(table[table["parent_code"] == "E37000019"]["child_code"])
    assert members == LANCASHIRE_LEP, "Lancashire LEP has its 14 districts"
    assert set(table["parent_level"]) == {"lep"}, "ERCD is the LEP column"


def test_real_lad_to_lsip_xlsx(real):
    table = lookup(real / "lad23_to_lsip23_lookup.xlsx").table
    members = sorted(table[table["parent_code"] == "E69000019"]["child_code"])
    assert members == LANCASHIRE_LEP, "Lancashire LSIP has the same 14 districts"


def test_real_ltla_lookup_and_lep_names(real):
    table = lookup(real / "ons_ltla_to_cty_cauth_rgn_ctry_lookup_2014base.csv").table
    county = sorted(table[(table["parent_code"] == "E10000017")]["child_code"])
    assert county == [c for c in LANCASHIRE_LEP if c.startswith("E07")], "Lancashire county = the 12 E07 districts"
    names = lookup(real / "lep_2020_codes_names.csv").table
    assert names.set_index("area_code").loc["E37000019", "area_name"] == "Lancashire", "LEP names list"


def test_real_changes(real):
    table = lookup(real / "ons_geography_changes_2014_2025.csv").table
    row = table[(table["old_code"] == "E07000004") & (table["new_code"] == "E06000060")]
    assert len(row) == 1 and row.iloc[0]["change_type"] == "merger" and row.iloc[0]["year"] == 2020, \
        "Aylesbury Vale -> Buckinghamshire merger in 2020"


def test_real_file_names_do_not_matter(real, tmp_path):
    copy = tmp_path / "renamed.dat"
    shutil.copy(real / "lad_to_lep_2020_lookup.xlsx", tmp_path / "renamed.xlsx")
    shutil.copy(real / "ons_uk_topojson_2014_2025.json", copy)
    assert detect(RawFile.at(copy)) is BOUNDARIES, "a TopoJSON is recognised by content, whatever its name"
    assert detect(RawFile.at(tmp_path / "renamed.xlsx")) is LOOKUPS, "a lookup is recognised by its headers"
