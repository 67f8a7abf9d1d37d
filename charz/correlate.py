"""Structure–performance correlations across samples (what ``charz report`` tabulates).

Papers on hard carbons correlate structure with sodium storage across samples:
closed-pore volume vs plateau capacity, mean open-pore diameter vs the slope-capacity
share, d002 / La vs capacity, BET area vs initial coulombic efficiency (Li et al. 2026;
Bommier et al., Carbon 76 (2014) 165). This module builds, from a list of
:class:`~charz.record.StructuralRecord`, a table of Pearson r, two-sided p-value, n and the
least-squares line for pairs of descriptors, and scatter plots with the fit line.

Besides the record keys, two derived quantities can be correlated:
``slope_share`` = slope / (slope + plateau capacity) and ``plateau_share`` = 1 − that.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from charz.errors import OptionError
from charz.record import DESCRIPTORS, StructuralRecord

__all__ = [
    "PAIRS",
    "Correlation",
    "correlate",
    "correlation_table",
    "descriptor_frame",
]

#: Pairs that hard-carbon papers correlate (x = structure, y = performance).
PAIRS: tuple[tuple[str, str], ...] = (
    ("closed_pore_volume", "plateau_capacity"),
    ("mean_pore_diameter", "slope_share"),
    ("d002", "plateau_capacity"),
    ("la", "plateau_capacity"),
    ("bet_area", "initial_coulombic_efficiency"),
    ("true_density", "plateau_capacity"),
    ("closed_pore_volume", "plating_onset_capacity"),
)

_DERIVED_UNITS = {"slope_share": "1", "plateau_share": "1"}
_DERIVED_LABELS = {"slope_share": "Qslope/(Qslope+Qplateau)",
                   "plateau_share": "Qplateau/(Qslope+Qplateau)"}


def descriptor_frame(records: Iterable[StructuralRecord]) -> pd.DataFrame:
    """One row per sample, one column per descriptor value (contract units), plus shares.

    Samples appearing in several records are merged first (``charz.record.merge_records``).
    """
    from charz.record import merge_records

    merged = merge_records(records)
    rows = {r.sample: r.values() for r in merged}
    df = pd.DataFrame.from_dict(rows, orient="index")
    if {"slope_capacity", "plateau_capacity"} <= set(df.columns):
        total = df["slope_capacity"] + df["plateau_capacity"]
        df["slope_share"] = df["slope_capacity"] / total
        df["plateau_share"] = df["plateau_capacity"] / total
    df.index.name = "sample"
    return df


def _unit(key: str) -> str:
    if key in DESCRIPTORS:
        return DESCRIPTORS[key].unit
    return _DERIVED_UNITS.get(key, "")


def _pair_stats(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from scipy import stats

    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(x.size)
    out = {"n": n, "pearson_r": np.nan, "p_value": np.nan, "slope": np.nan,
           "intercept": np.nan}
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.pearsonr(x, y)
        fit = stats.linregress(x, y)
    out.update(pearson_r=float(res.statistic), p_value=float(res.pvalue),
               slope=float(fit.slope), intercept=float(fit.intercept))
    return out


def correlation_table(
    records: Iterable[StructuralRecord],
    *,
    pairs: Sequence[tuple[str, str]] | Literal["all"] | None = None,
    x_keys: Sequence[str] | None = None,
    y_keys: Sequence[str] | None = None,
    min_n: int = 3,
) -> pd.DataFrame:
    """Pearson r, p-value and n for pairs of descriptors across samples.

    Parameters
    ----------
    records : iterable of StructuralRecord
        One or more records per sample.
    pairs : sequence of (x, y) or 'all', optional
        Pairs to compute. Default: every structural key (non-echem) × every echem key
        (and the derived shares) that at least ``min_n`` samples have. ``"all"``: every
        unordered pair of descriptors that ``min_n`` samples have (x before y in the order
        of :data:`~charz.record.DESCRIPTORS`, derived shares last; the slope/plateau share
        pair, −1 by construction, left out) — what ``correlations.csv`` holds.
    x_keys, y_keys : sequence of str, optional
        Restrict the default grid.
    min_n : int
        Pairs with fewer samples having both values are left out (Pearson r of 2 points is
        ±1 by construction).

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``x_unit``, ``y_unit``, ``n``, ``pearson_r``, ``p_value``
        (two-sided, scipy.stats.pearsonr: exact for normal data), ``slope``, ``intercept``
        (least-squares y = intercept + slope·x, in the descriptors' units), sorted by the
        magnitude of r. With n = 3 a p-value is very coarse: report n with every r.
    """
    df = descriptor_frame(records)
    cols = [c for c in df.columns if df[c].notna().sum() >= min_n]
    if isinstance(pairs, str):
        if pairs != "all":
            raise OptionError(f"pairs must be a sequence of (x, y) or 'all', got {pairs!r}")
        order = [k for k in DESCRIPTORS if k in cols] + [k for k in cols if k not in DESCRIPTORS]
        pairs = [(x, y) for i, x in enumerate(order) for y in order[i + 1:]
                 if {x, y} != {"slope_share", "plateau_share"}]
    elif pairs is None:
        echem = {k for k, s in DESCRIPTORS.items() if s.technique == "echem"} | set(
            _DERIVED_UNITS)
        xs = [c for c in cols if c not in echem] if x_keys is None else list(x_keys)
        ys = [c for c in cols if c in echem] if y_keys is None else list(y_keys)
        pairs = [(x, y) for x in xs for y in ys if x != y]
    rows = []
    for x, y in pairs:
        if x not in df.columns or y not in df.columns:
            continue
        st = _pair_stats(df[x].to_numpy(float), df[y].to_numpy(float))
        if st["n"] < min_n:
            continue
        rows.append({"x": x, "y": y, "x_unit": _unit(x), "y_unit": _unit(y), **st})
    out = pd.DataFrame(rows, columns=["x", "y", "x_unit", "y_unit", "n", "pearson_r",
                                      "p_value", "slope", "intercept"])
    if len(out):
        out = out.iloc[np.argsort(-np.abs(out["pearson_r"].fillna(0).to_numpy()),
                                  kind="stable")].reset_index(drop=True)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Correlation:
    """One structure–performance pair across samples.

    Attributes
    ----------
    x, y : str
        Descriptor keys.
    n : int
    pearson_r, p_value, slope, intercept : float
    data : pandas.DataFrame
        ``x`` and ``y`` values per sample (index = sample).
    """

    x: str
    y: str
    n: int
    pearson_r: float
    p_value: float
    slope: float
    intercept: float
    data: pd.DataFrame = field(repr=False)

    def descriptors(self) -> dict[str, Any]:
        """A correlation is not a sample's descriptor: none."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """Scatter with sample labels, the least-squares line and Pearson r (n, p)."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(layout="constrained", figsize=(4.6, 3.6))
        xv = self.data[self.x].to_numpy(float)
        yv = self.data[self.y].to_numpy(float)
        ax.plot(xv, yv, "o", color="k")
        for name, a, b in zip(self.data.index, xv, yv, strict=True):
            ax.annotate(str(name), (a, b), textcoords="offset points", xytext=(4, 4),
                        fontsize="small")
        if np.isfinite(self.slope):
            lo, hi = float(np.nanmin(xv)), float(np.nanmax(xv))
            pad = 0.1 * (hi - lo if hi > lo else 1.0)
            xs = np.linspace(lo - pad, hi + pad, 20)
            ax.plot(xs, self.intercept + self.slope * xs, "-", color="tab:red",
                    label=f"r = {self.pearson_r:.3f} (n = {self.n}, p = {self.p_value:.2g})")
            ax.legend(fontsize="small")

        def label(k: str) -> str:
            spec = DESCRIPTORS.get(k)
            return spec.label_text if spec is not None else _DERIVED_LABELS.get(k, k)

        ax.set_xlabel(label(self.x))
        ax.set_ylabel(label(self.y))
        return ax


def correlate(records: Iterable[StructuralRecord], x: str, y: str) -> Correlation:
    """Pearson correlation and least-squares line of descriptor ``y`` against ``x``.

    Raises
    ------
    OptionError
        No sample has one of the keys, or fewer than 3 samples have both.
    """
    df = descriptor_frame(records)
    for k in (x, y):
        if k not in df.columns:
            raise OptionError(
                f"no sample has descriptor {k!r} (have: {', '.join(map(str, df.columns))})"
            )
    sub = df[[x, y]].dropna()
    st = _pair_stats(sub[x].to_numpy(float), sub[y].to_numpy(float))
    if st["n"] < 3:
        raise OptionError(
            f"correlating {y} with {x} needs at least 3 samples with both; got {st['n']}"
        )
    return Correlation(x, y, st["n"], st["pearson_r"], st["p_value"], st["slope"],
                       st["intercept"], sub)
