"""Codes, names and the hierarchy: district -> upper tier -> LEP / LSIP / combined authority -> region -> country.

Built from the ONS lookups found among the raw files (ParseResult kinds ``hierarchy``, ``names``,
``changes``) plus the codes and names the data files themselves carry. Code changes are data: a
district code that was merged into another (ONS changes file, type ``merger``) is mapped to its
successor for finding its parents, so old-vintage data still aggregates into today's areas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa

from config import COUNTRY_CODE
from etl.errors import Problem
from vocab.levels import PARENT_LEVELS, UNITARY_PREFIXES, level_of_code

SUCCESSION_TYPES = ("merger", "merge", "new_code", "recode")  # ONS change types where a code is replaced
ALIASES_CSV = Path(__file__).with_name("reference") / "name_aliases.csv"
# areas.parquet: every area with its level and parents (codes; None where unknown), written with this schema
AREAS_COLUMNS = ["area_code", "area_name", "area_level", *(f"{level}_code" for level in PARENT_LEVELS),
                 "successor_code"]
AREAS_SCHEMA = pa.schema([(column, pa.string()) for column in AREAS_COLUMNS])


def normalise_name(name: str) -> str:
    """A name folded for matching: case, punctuation, '&', 'St.' and ', City of' style suffixes."""
    text = str(name).lower().replace("&", " and ").replace("st.", "st ").replace("'", "").replace("’", "")
    text = re.sub(r",\s*(city|county) of$", "", text)
    text = re.sub(r"\b(city of|county of)\b", "", text)
    text = re.sub(r"\((pre lg|ua|county)\)", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass
class Geography:
    """The areas and their parents, with name resolution for publishers that give no codes."""

    names: dict[str, str] = field(default_factory=dict)  # code -> display name
    parents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["child_code", "parent_code", "parent_level"]))
    successors: dict[str, str] = field(default_factory=dict)  # merged or re-coded code -> successor code
    terminated: set[str] = field(default_factory=set)  # codes ONS ended without a successor
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)  # (normalised alias, level) -> name

    @classmethod
    def from_tables(cls, hierarchy: list[pd.DataFrame], names: list[pd.DataFrame], changes: list[pd.DataFrame],
                    observed: list[pd.DataFrame], aliases_csv: Path = ALIASES_CSV) -> "Geography":
        """Combine lookup tables (in a deterministic order) and the (code, name) pairs seen in data."""
        code_names: dict[str, str] = {}

        def remember(codes, labels):
            for code, label in zip(codes, labels):
                if isinstance(code, str) and isinstance(label, str) and label.strip() and code not in code_names:
                    code_names[code] = label.strip()

        for table in names:
            remember(table["area_code"], table["area_name"])
        for table in hierarchy:
            remember(table["child_code"], table["child_name"])
            remember(table["parent_code"], table["parent_name"])
        for table in changes:
            remember(table["new_code"], table["new_name"])
            remember(table["old_code"], table["old_name"])
        for table in observed:
            remember(table["area_code"], table["area_name"])

        frames = [t[["child_code", "parent_code", "parent_level"]] for t in hierarchy if not t.empty]
        parents = (pd.concat(frames, ignore_index=True).dropna().drop_duplicates()
                   if frames else pd.DataFrame(columns=["child_code", "parent_code", "parent_level"]))
        parents = parents[parents["parent_level"].isin(PARENT_LEVELS)]
        successors: dict[str, str] = {}
        terminated: set[str] = set()
        for table in changes:
            kind = table["change_type"].astype(str).str.lower()
            merges = table[kind.isin(SUCCESSION_TYPES)]
            for old, new in zip(merges["old_code"], merges["new_code"]):
                if level_of_code(old) == "district" and level_of_code(new) == "district" and old != new:
                    successors[old] = new
            terminated.update(table.loc[kind == "termination", "old_code"].dropna())
        alias_map: dict[tuple[str, str], str] = {}
        if aliases_csv.exists():
            alias_df = pd.read_csv(aliases_csv, dtype=str, keep_default_na=False)
            for alias, target, level in alias_df[["alias", "area_name", "area_level"]].itertuples(index=False):
                alias_map[(normalise_name(alias), level)] = target
        geo = cls(names=code_names, parents=parents.sort_values(list(parents.columns)).reset_index(drop=True),
                  successors=successors, terminated=terminated, aliases=alias_map)
        return geo

    # --- codes ---------------------------------------------------------------------------
    def current_code(self, code: str) -> str:
        """Follow merges to today's code (guarding against cycles in a bad changes file)."""
        seen = set()
        while code in self.successors and code not in seen:
            seen.add(code)
            code = self.successors[code]
        return code

    def upper_tier_of(self, district_code: str) -> str | None:
        """A district's upper-tier authority: itself for unitaries, its county for E07 districts."""
        if district_code[:3] in UNITARY_PREFIXES:
            return district_code
        return self._lookup_parent(district_code, "upper_tier")

    def parent_of(self, district_code: str, level: str) -> str | None:
        """The district's parent at ``level``, from the lookups (see ``_lookup_parent``)."""
        if level == "upper_tier":
            return self.upper_tier_of(district_code)
        if level == "country":
            return COUNTRY_CODE if district_code.startswith("E") else None
        return self._lookup_parent(district_code, level)

    def _lookup_parent(self, code: str, level: str, seen: frozenset = frozenset()) -> str | None:
        """Its own lookup row first; else the parent its predecessors shared (a code newer than the
        lookups, e.g. Somerset West and Taunton in a 2014 lookup); else its successor's parent (an
        old code, e.g. Aylesbury Vale, in a lookup that only knows Buckinghamshire)."""
        if code in seen:
            return None
        seen = seen | {code}
        found = self._parent_map.get((code, level))
        if found is not None:
            return found
        inherited = {self._lookup_parent(old, level, seen) for old in self._predecessors.get(code, [])}
        inherited.discard(None)
        if len(inherited) == 1:
            return inherited.pop()
        successor = self.successors.get(code)
        if successor is not None:
            if level == "upper_tier" and successor[:3] in UNITARY_PREFIXES:
                return successor
            return self._lookup_parent(successor, level, seen)
        return None

    def covered(self, code: str, present: set[str]) -> bool:
        """Whether data for ``present`` codes covers the area of ``code``: the code itself, or all of
        the codes it was formed from (recursively)."""
        if code in present:
            return True
        olds = self._predecessors.get(code, [])
        return bool(olds) and all(self.covered(old, present) for old in olds)

    @cached_property
    def _predecessors(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for old, new in sorted(self.successors.items()):
            found.setdefault(new, []).append(old)
        return found

    @cached_property
    def _parent_map(self) -> dict[tuple[str, str], str]:
        # One parent per (child, level); where vintages disagree the alphabetically-first wins (deterministic).
        df = self.parents.sort_values(["child_code", "parent_level", "parent_code"])
        mapping: dict[tuple[str, str], str] = {}
        for child, parent, level in zip(df["child_code"], df["parent_code"], df["parent_level"]):
            mapping.setdefault((child, level), parent)
        return mapping

    @cached_property
    def districts(self) -> list[str]:
        """Every district code known from lookups or data, sorted."""
        codes = set(self.parents["child_code"]) | set(self.names)
        return sorted(c for c in codes if level_of_code(c) == "district")

    def members(self, parent_code: str, level: str) -> list[str]:
        """Today's districts belonging to a parent area (merged codes replaced by successors)."""
        return sorted({self.current_code(district) for district in self.districts_in(parent_code, level)})

    def districts_in(self, parent_code: str, level: str) -> list[str]:
        """The districts (old codes and new, in ``districts``' order) whose parent at ``level`` is
        ``parent_code``: each level's districts are placed once (every area of a release asks)."""
        if level not in self._districts_by_parent:
            placed: dict[str | None, list[str]] = {}
            for district in self.districts:
                placed.setdefault(self.parent_of(district, level), []).append(district)
            self._districts_by_parent[level] = placed
        return self._districts_by_parent[level].get(parent_code, [])

    @cached_property
    def _districts_by_parent(self) -> dict[str, dict[str | None, list[str]]]:
        return {}  # level -> parent code -> districts (``districts_in``)

    def name_of(self, code: str) -> str | None:
        return self.names.get(code)

    # --- names ---------------------------------------------------------------------------
    @cached_property
    def _name_index(self) -> dict[tuple[str, str], set[str]]:
        index: dict[tuple[str, str], set[str]] = {}
        for code, name in self.names.items():
            level = level_of_code(code)
            if level is None:
                continue
            levels = {level}
            if code[:3] in UNITARY_PREFIXES:
                levels.add("upper_tier")
            for lvl in levels:
                index.setdefault((normalise_name(name), lvl), set()).add(code)
        return index

    def resolve_name(self, name: str, level: str) -> str | None:
        """The code of the area called ``name`` at ``level``; None when unknown or ambiguous.

        Where several codes share a name (a merged district kept its name), today's code wins.
        """
        key = normalise_name(name)
        codes = self._name_index.get((key, level), set())
        target = self.aliases.get((key, level))
        if not codes and target is not None:  # an alias only when the name itself is unknown
            codes = self._name_index.get((normalise_name(target), level), set())
        if len(codes) <= 1:
            return next(iter(codes), None)
        live = {c for c in codes if c not in self.successors and c not in self.terminated}
        if len(live) == 1:  # e.g. Barnsley's 2025 code over its old one; Dorset the unitary over the county
            return live.pop()
        # no change record settles it: the code the lookups know best (most parent rows), if that is unique
        counts = sorted(((sum(1 for (child, _lvl) in self._parent_map if child == c), c) for c in live or codes),
                        reverse=True)
        if counts[0][0] > counts[1][0]:
            return counts[0][1]
        return None

    # --- output --------------------------------------------------------------------------
    def areas_table(self, codes: list[str]) -> pd.DataFrame:
        """areas.parquet: each area with its level and parents (nullable where unknown)."""
        rows = []
        for code in sorted(set(codes)):
            level = level_of_code(code)
            row = {"area_code": code, "area_name": self.names.get(code, code), "area_level": level}
            for parent_level in PARENT_LEVELS:
                row[f"{parent_level}_code"] = self.parent_of(code, parent_level) if level == "district" else None
            if level == "upper_tier":
                row["upper_tier_code"] = code
            if level == "upper_tier":
                for parent_level in ("lep", "lsip", "combined_authority", "region", "country"):
                    row[f"{parent_level}_code"] = self._common_parent(code, parent_level)
            if level in ("lep", "lsip", "combined_authority", "region"):
                row["country_code"] = COUNTRY_CODE
                if level != "region":
                    row["region_code"] = self._common_region(code, level)
            row["successor_code"] = self.current_code(code) if self.current_code(code) != code else None
            rows.append(row)
        return pd.DataFrame([{c: row.get(c) for c in AREAS_COLUMNS} for row in rows], columns=AREAS_COLUMNS,
                            dtype=object)

    def _common_parent(self, upper_tier_code: str, level: str) -> str | None:
        """The parent shared by every district of an upper tier (None when they straddle)."""
        found = {self.parent_of(d, level) for d in self.districts_in(upper_tier_code, "upper_tier")}
        return found.pop() if len(found) == 1 else None

    def _common_region(self, area_code: str, level: str) -> str | None:
        found = {self.parent_of(d, "region") for d in self.districts_in(area_code, level)}
        return found.pop() if len(found) == 1 else None


def reconcile_lookups(lookups: list[tuple[str, pd.DataFrame]]) -> tuple[list[pd.DataFrame], list[Problem]]:
    """District -> parent lookups from several files, made to agree before they are combined.

    Two files that place a district under different parents at one level (a second LAD -> LEP file
    moving Burnley into another LEP) would silently change both parents' totals. Where both files
    state their vintage (``LEP20CD`` vs ``LEP21CD`` headings, a year in the title) the newer wins and a
    warning says so; otherwise it is an error naming both files. ``lookups`` are (file name, hierarchy
    table) pairs in build order; the tables come back in the same order.
    """
    kept = [table for _, table in lookups]
    problems: list[Problem] = []
    relations = [_relation(table) for table in kept]
    vintages = [_vintages(table) for table in kept]
    for i, j in ((i, j) for j in range(len(lookups)) for i in range(j)):
        common = relations[i].keys() & relations[j].keys()
        differ = sorted(k for k in common if relations[i][k][0] != relations[j][k][0])
        for level in sorted({lvl for _, lvl in differ}):
            keys = [k for k in differ if k[1] == level]
            vi, vj = vintages[i].get(level), vintages[j].get(level)
            examples = "; ".join(f"{child}: {', '.join(sorted(relations[j][(child, lvl)][0]))} here, "
                                 f"{', '.join(sorted(relations[i][(child, lvl)][0]))} in '{lookups[i][0]}'"
                                 for child, lvl in keys[:5]) + ("; ..." if len(keys) > 5 else "")
            what = f"{len(keys)} district(s) under different {level.replace('_', ' ')} parents"
            if vi is not None and vj is not None and vi != vj:
                newer, older = (j, i) if vj > vi else (i, j)
                drop = kept[older]["child_code"].isin([c for c, _ in keys]) & (kept[older]["parent_level"] == level)
                kept[older] = kept[older][~drop]
                problems.append(Problem(file=lookups[newer][0], severity="warning",
                                        message=f"this lookup ({max(vi, vj)}) and '{lookups[older][0]}' "
                                                f"({min(vi, vj)}) put {what}: the newer one, this file, is used",
                                        found=examples))
                continue
            row, column = relations[j][keys[0]][1:]
            problems.append(Problem(file=lookups[j][0], row=row, column=column,
                                    message=f"this lookup and '{lookups[i][0]}' put {what}, and their "
                                            "vintages do not say which is newer",
                                    expected="lookups that agree, or that state which year they describe "
                                             "(e.g. LEP20CD / LEP21CD headings) so the newer is used; or remove "
                                             "the outdated file",
                                    found=examples))
    return kept, problems


def _relation(table: pd.DataFrame) -> dict[tuple[str, str], tuple[frozenset, int | None, str | None]]:
    """(district, parent level) -> (its parents in this file, first file line, column)."""
    out: dict[tuple[str, str], tuple[frozenset, int | None, str | None]] = {}
    rows = table["source_row"] if "source_row" in table.columns else pd.Series(None, index=table.index)
    columns = table["source_column"] if "source_column" in table.columns else pd.Series(None, index=table.index)
    groups = {}
    for child, parent, level, row, column in zip(table["child_code"], table["parent_code"], table["parent_level"],
                                                 rows, columns):
        entry = groups.setdefault((child, level), [set(), row, column])
        entry[0].add(parent)
    for key, (parents, row, column) in groups.items():
        out[key] = (frozenset(parents), None if pd.isna(row) else int(row), column)
    return out


def _vintages(table: pd.DataFrame) -> dict[str, int]:
    """Parent level -> the year the file says its lookup describes (levels it does not date are absent)."""
    if "vintage" not in table.columns:
        return {}
    found = table.dropna(subset=["vintage"]).groupby("parent_level")["vintage"].max()
    return {level: int(year) for level, year in found.items()}
