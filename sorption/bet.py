"""BET surface area (ISO 9277) with a user range or the Rouquerol range, searched exhaustively.

Constants (stated in every result's ``method``): gas volumes at STP 22 414 cm^3(STP)/mol,
CODATA N_A = 6.02214076e23 /mol, cross-sections per adsorptive (nm^2): N2 0.162, Ar 0.142,
Kr 0.202, CO2 0.170 (override with ``cross_section_nm2=``). With these, 1 cm^3(STP) of N2 per
gram covers 4.35258 m^2/g (97.56 m^2 per mmol).

Automatic range (Rouquerol, Llewellyn & Rouquerol 2007; ISO 9277:2022 Annex): every
contiguous range of adsorption points with ``min_points`` or more points below
``p_max`` is fitted (ordinary least squares of the linear BET transform, vectorised with
prefix sums) and kept if

(a) C > 0 (positive intercept);
(b) n(1 − p/p0) increases over the range (each step), and the BET transform too (BETSI);
(c) p/p0 at the monolayer amount n_m (interpolated on the isotherm) lies inside the range;
(d) ``|p/p0(n_m) − 1/(√C + 1)| / p/p0(n_m)`` ≤ ``tolerance`` (default 0.20 as BETSI; 0.10 is
    the stricter common choice);
(e) r² ≥ ``min_r2`` (default 0.995, BETSI's GUI value; set None to disable).

Choice rule among the valid ranges (``rule="most_points"``, default): the most points; ties
broken by the smallest criterion-(d) error, then the highest r². ``rule="betsi"``: among the
valid ranges ending at the highest point, the smallest criterion-(d) error (BETSI's rule).
The minimum and maximum area over all valid
ranges are reported as ``area_spread`` (an uncertainty indicator, as in BETSI), with the
number of valid ranges.

References
----------
.. [1] S. Brunauer, P. H. Emmett, E. Teller, J. Am. Chem. Soc. 60 (1938) 309.
.. [2] ISO 9277:2022, Determination of the specific surface area of solids by gas
   adsorption — BET method.
.. [3] J. Rouquerol, P. Llewellyn, F. Rouquerol, Stud. Surf. Sci. Catal. 160 (2007) 49.
.. [4] J. W. M. Osterrieth et al., Adv. Mater. 34 (2022) 2201502 (BETSI).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from charz._validation import check_choice, check_number, check_window
from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError, MissingMetadataError, PhysicsWarning
from charz.flags import POOR_FIT
from charz.record import Measurement, Provenance
from sorption._adsorbates import ADSORBATES, MOLAR_VOLUME_STP, N_AVOGADRO, canonical_name
from sorption._flags import assumed_flags, span
from sorption.io import branch as _branch

__all__ = ["BETResult", "bet_area", "bet_area_raw", "cross_section_for"]

CRITERIA = ("c_positive", "n1p_increasing", "pnm_in_range", "pnm_matches_c", "min_points",
            "linearity")


def cross_section_for(adsorbate: str, cross_section_nm2: float | None = None) -> float:
    """Molecular cross-section in nm^2 for an adsorptive (ISO 9277 values), or the one given."""
    if cross_section_nm2 is not None:
        return float(cross_section_nm2)
    ads = ADSORBATES.get(canonical_name(adsorbate))
    if ads is None or ads.cross_section is None:
        raise MissingMetadataError(
            f"no BET cross-section known for {adsorbate!r}; pass cross_section_nm2=... (nm^2)"
        )
    return ads.cross_section


@dataclass(frozen=True, slots=True, eq=False)
class BETResult(DescriptorsHTMLMixin):
    """Result of a BET fit.

    Attributes
    ----------
    bet_area : Measurement
        BET area in m^2/g (record key ``bet_area``), stderr from the regression:
        σ_A = A·√(σ_s² + σ_i²)/(s + i).
    bet_c : Measurement
        BET C (record key ``bet_c``), stderr propagated from slope and intercept.
    n_m : float
        Monolayer amount in mmol/g.
    p_range : tuple of float
        First and last p/p0 used.
    n_points : int
        Points in the fit.
    r : float
        Pearson correlation coefficient of the BET transform.
    slope, intercept : float
        Of 1/[n(p0/p − 1)] (g/mmol) against p/p0.
    criteria : dict
        Rouquerol criteria (a)–(e) and the point count: name → passed.
    p_at_nm, p_from_c : float
        p/p0 where the isotherm reaches n_m, and 1/(√C + 1).
    cross_section_nm2 : float
        nm^2.
    auto : bool
        Range chosen automatically.
    area_spread : tuple of float or None
        (min, max) area over every valid range (auto mode).
    n_valid_ranges : int
        Number of valid ranges (auto mode; 0 for a user range).
    ranges : xarray.Dataset
        Every valid range (start/end p/p0, points, area, C, criterion-(d) error) (auto).
    transform : xarray.Dataset
        p/p0, n (mmol/g), BET transform, n(1 − p/p0) and the ``used`` mask.
    notes : tuple of str
        Warnings raised for this fit (also issued as PhysicsWarning) and, for a user
        range, the Rouquerol criteria it fails. (The quotable verdict is in the
        Measurements' ``flags``.)
    """

    bet_area: Measurement
    bet_c: Measurement
    n_m: float
    p_range: tuple[float, float]
    n_points: int
    r: float
    slope: float
    intercept: float
    criteria: dict[str, bool]
    p_at_nm: float
    p_from_c: float
    cross_section_nm2: float
    auto: bool
    area_spread: tuple[float, float] | None
    n_valid_ranges: int
    ranges: xr.Dataset = field(repr=False)
    transform: xr.Dataset = field(repr=False)
    notes: tuple[str, ...] = ()

    def descriptors(self) -> dict[str, Measurement]:
        """``bet_area`` (m^2/g) and ``bet_c`` (1)."""
        return {"bet_area": self.bet_area, "bet_c": self.bet_c}

    def plot(self, ax: Any = None) -> Any:
        """BET plot: transform against p/p0, the range used highlighted, the fitted line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained", figsize=(5, 4))
        t = self.transform
        x, y, used = t["relative_pressure"].values, t["bet_transform"].values, t["used"].values
        show = x <= max(0.5, self.p_range[1] * 1.5)
        ax.plot(x[show & ~used], y[show & ~used], "o", mfc="none", color="0.5", label="not used")
        ax.plot(x[used], y[used], "o", color="C0", label=f"used ({self.n_points} points)")
        xx = np.linspace(0, self.p_range[1] * 1.1, 50)
        ax.plot(xx, self.intercept + self.slope * xx, "-", color="C1",
                label=f"A = {self.bet_area.value:.4g} m²/g, C = {self.bet_c.value:.3g}")
        ax.set_xlabel("p/p0")
        ax.set_ylabel("1/[n(p0/p − 1)] (g/mmol)")
        ax.set_title("BET" + (" (Rouquerol range)" if self.auto else " (user range)"))
        ax.legend(fontsize="small")
        return ax

    def plot_rouquerol(self, ax: Any = None) -> Any:
        """Rouquerol plot: n(1 − p/p0) against p/p0 with the range used."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(layout="constrained", figsize=(5, 4))
        t = self.transform
        x, y, used = t["relative_pressure"].values, t["rouquerol"].values, t["used"].values
        ax.semilogx(x, y, "o-", ms=3, color="0.5", lw=0.8, label="n(1 − p/p0)")
        ax.semilogx(x[used], y[used], "o", color="C0", label="BET range")
        ax.axvline(self.p_at_nm, color="C1", ls="--", lw=1, label="p/p0 at n_m")
        ax.set_xlabel("p/p0")
        ax.set_ylabel("n(1 − p/p0) (mmol/g)")
        ax.set_title("Rouquerol plot")
        ax.legend(fontsize="small")
        return ax


def _ols_prefix(x: np.ndarray, y: np.ndarray, i: np.ndarray, j: np.ndarray
                ) -> dict[str, np.ndarray]:
    """OLS fits of y on x over index ranges [i, j] (inclusive), vectorised with prefix sums."""
    def cs(a: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(a)])

    # centre to limit cancellation
    x0, y0 = x.mean(), y.mean()
    xc, yc = x - x0, y - y0
    sx, sy, sxx, sxy, syy = cs(xc), cs(yc), cs(xc * xc), cs(xc * yc), cs(yc * yc)
    n = (j - i + 1).astype(float)
    Sx, Sy = sx[j + 1] - sx[i], sy[j + 1] - sy[i]
    Sxx, Sxy, Syy = sxx[j + 1] - sxx[i], sxy[j + 1] - sxy[i], syy[j + 1] - syy[i]
    vxx = Sxx - Sx * Sx / n
    vxy = Sxy - Sx * Sy / n
    vyy = Syy - Sy * Sy / n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = vxy / vxx
        icpt_c = (Sy - slope * Sx) / n  # intercept in centred coordinates
        intercept = icpt_c + y0 - slope * x0
        r = vxy / np.sqrt(vxx * vyy)
        sse = np.clip(vyy - slope * vxy, 0.0, None)
        s2 = sse / (n - 2)
        se_slope = np.sqrt(s2 / vxx)
        xbar = Sx / n + x0
        se_int = np.sqrt(s2 * (1.0 / n + xbar * xbar / vxx))
    return {"slope": slope, "intercept": intercept, "r": r, "se_slope": se_slope,
            "se_intercept": se_int, "n": n}


def bet_area_raw(
    relative_pressure: np.ndarray,
    amount: np.ndarray,
    *,
    adsorbate: str = "N2",
    cross_section_nm2: float | None = None,
    p_range: tuple[float, float] | None = None,
    p_max: float = 0.5,
    min_points: int = 5,
    tolerance: float = 0.20,
    min_r2: float | None = 0.995,
    rule: Literal["most_points", "betsi"] = "most_points",
    provenance: Provenance | None = None,
    sample_mass_g: float | None = None,
    note: str = "",
    flags: tuple[str, ...] = (),
) -> BETResult:
    """BET area from bare arrays (adsorption branch, rising p/p0).

    Parameters
    ----------
    relative_pressure : array
        p/p0 (1), adsorption branch.
    amount : array
        Amount adsorbed in mmol/g.
    adsorbate : str
        For the cross-section (``"N2"``, ``"Ar"``, ``"Kr"``, ``"CO2"``).
    cross_section_nm2 : float, optional
        nm^2; overrides the adsorbate's ISO 9277 value.
    p_range : (float, float), optional
        User range of p/p0 (inclusive). None: automatic Rouquerol range.
    p_max : float
        Highest p/p0 considered by the automatic search (default 0.5).
    min_points : int
        Fewest points in a range (automatic search; ISO 9277: ≥ 3, preferably ≥ 5).
    tolerance : float
        Criterion (d): relative difference between p/p0 at n_m and 1/(√C + 1).
    min_r2 : float or None
        Criterion (e): least r² of a valid range; None disables it.
    rule : {'most_points', 'betsi'}
        How one range is chosen among the valid ones (module docstring).
    provenance : Provenance, optional
        Where the data came from (``Provenance.from_data(isotherm)``).
    sample_mass_g : float, optional
        Used to warn when the total area in the tube is below ~1 m² (Kr advisable).
    note : str
        Appended to the method text (e.g. metadata the reader had to assume).
    flags : tuple of str
        Flags the inputs already carry (e.g. ``assumed:temperature``), added to both
        Measurements.

    Returns
    -------
    BETResult
        A user range with C ≤ 0 or r² < 0.99 gives Measurements flagged ``poor_fit``
        (returned, not refused: ISO 9277 leaves the range to the user).

    Raises
    ------
    FitError
        Fewer than 3 points in a user range, or no range passes the criteria (the message
        says how many ranges failed which criterion).

    Warns
    -----
    PhysicsWarning
        A user range gives C ≤ 0 or r² < 0.99; a very small total area in the tube (the
        Rouquerol criteria a user range fails are recorded in ``criteria`` and ``notes``).
    """
    rule = check_choice("rule", rule, ("most_points", "betsi"))
    if p_range is not None:
        p_range = check_window("p_range", p_range)
    p_max = check_number("p_max", p_max, lo=0.0, hi=1.0, inclusive=False)
    min_points = int(check_number("min_points", min_points, lo=3))
    tolerance = check_number("tolerance", tolerance, lo=0.0)
    if min_r2 is not None:
        min_r2 = check_number("min_r2", min_r2, lo=0.0, hi=1.0)
    flags_in = tuple(flags)
    x_all = np.asarray(relative_pressure, dtype=float)
    n_all = np.asarray(amount, dtype=float)
    order = np.argsort(x_all, kind="stable")
    x_all, n_all = x_all[order], n_all[order]
    ok = (x_all > 0) & (x_all < 1) & np.isfinite(n_all) & (n_all > 0)
    x_all, n_all = x_all[ok], n_all[ok]
    sigma = cross_section_for(adsorbate, cross_section_nm2)
    y_all = x_all / (n_all * (1.0 - x_all))
    rq_all = n_all * (1.0 - x_all)
    n_mono = np.maximum.accumulate(n_all)
    area_per_mmol = 1e-3 * N_AVOGADRO * sigma * 1e-18  # m^2 per mmol
    prov = provenance or Provenance()

    if p_range is not None:
        lo, hi = float(min(p_range)), float(max(p_range))
        idx = np.flatnonzero((x_all >= lo) & (x_all <= hi))
        if idx.size < 3:
            raise FitError(
                f"{prov.source or 'BET'}: {idx.size} point(s) in p/p0 {span(lo, hi)}; "
                "BET needs at least 3 (ISO 9277)"
            )
        i, j = np.array([idx[0]]), np.array([idx[-1]])
        auto = False
    else:
        cand = np.flatnonzero(x_all <= p_max)
        if cand.size < min_points:
            raise FitError(
                f"{prov.source or 'BET'}: only {cand.size} adsorption point(s) below "
                f"p/p0 {p_max:g}; the automatic range needs at least {min_points}"
            )
        last = cand[-1]
        ii, jj = np.triu_indices(last + 1, k=min_points - 1)
        i, j = ii, jj
        auto = True

    fit = _ols_prefix(x_all, y_all, i, j)
    s, b = fit["slope"], fit["intercept"]
    with np.errstate(divide="ignore", invalid="ignore"):
        n_m = 1.0 / (s + b)
        c_bet = 1.0 + s / b
        p_c = 1.0 / (np.sqrt(np.where(c_bet > 0, c_bet, np.nan)) + 1.0)
    # p/p0 at n_m on the isotherm (linear interpolation of the monotone envelope)
    p_nm = np.interp(n_m, n_mono, x_all, left=np.nan, right=np.nan)
    # (b) n(1-p) and the BET transform increasing step by step inside the range
    dec_rq = np.concatenate([[0], np.cumsum(np.diff(rq_all) < 0)])
    dec_y = np.concatenate([[0], np.cumsum(np.diff(y_all) < 0)])
    mono = ((dec_rq[j] - dec_rq[i]) == 0) & ((dec_y[j] - dec_y[i]) == 0)
    with np.errstate(invalid="ignore"):
        in_range = (p_nm >= x_all[i]) & (p_nm <= x_all[j])
        err_d = np.abs(p_nm - p_c) / p_nm
        crit = {
            "c_positive": (b > 0) & np.isfinite(c_bet),
            "n1p_increasing": mono,
            "pnm_in_range": in_range,
            "pnm_matches_c": err_d <= tolerance,
            "min_points": fit["n"] >= (min_points if auto else 3),
            "linearity": (fit["r"] ** 2 >= min_r2) if min_r2 is not None else np.ones_like(
                mono),
        }
    valid = np.logical_and.reduce([np.asarray(v, dtype=bool) for v in crit.values()])
    area_all = n_m * area_per_mmol
    notes: list[str] = []
    vocab: list[str] = list(flags_in)
    if auto:
        if not valid.any():
            fails = ", ".join(f"{k}: {int((~np.asarray(v, bool)).sum())}" for k, v in crit.items())
            raise FitError(
                f"{prov.source or 'BET'}: none of {i.size} contiguous ranges with ≥ "
                f"{min_points} points below p/p0 {p_max:g} passes the Rouquerol criteria "
                f"(failures per criterion — {fails}); give a range (p_range=...), relax "
                "tolerance/min_r2/min_points, or measure more low-pressure points"
            )
        vidx = np.flatnonzero(valid)
        if rule == "betsi":
            key = np.lexsort((-fit["r"][vidx] ** 2, err_d[vidx], -j[vidx]))
        elif rule == "most_points":
            key = np.lexsort((-fit["r"][vidx] ** 2, err_d[vidx], -fit["n"][vidx]))
        else:  # pragma: no cover - rule is checked on entry
            raise AssertionError(rule)
        k = int(vidx[key[0]])
        spread = (float(np.nanmin(area_all[vidx])), float(np.nanmax(area_all[vidx])))
        ranges = xr.Dataset(
            {
                "p_start": ("range", x_all[i[vidx]], {"units": "1"}),
                "p_end": ("range", x_all[j[vidx]], {"units": "1"}),
                "n_points": ("range", fit["n"][vidx].astype(int), {"units": "1"}),
                "area": ("range", area_all[vidx], {"units": "m^2/g"}),
                "c": ("range", c_bet[vidx], {"units": "1"}),
                "criterion_d_error": ("range", err_d[vidx], {"units": "1"}),
                "r2": ("range", fit["r"][vidx] ** 2, {"units": "1"}),
            }
        )
    else:
        k = 0
        spread = None
        ranges = xr.Dataset()
        if not crit["c_positive"][0]:
            notes.append(f"C = {c_bet[0]:.3g} ≤ 0 (negative intercept): the BET area of this "
                         "range is not meaningful (ISO 9277)")
            vocab.append(POOR_FIT)
        if fit["r"][0] ** 2 < 0.99:
            notes.append(f"r² = {fit['r'][0] ** 2:.4f} < 0.99: the BET transform is not linear "
                         "over this range")
            vocab.append(POOR_FIT)
    sel = slice(k, k + 1)
    s_k, b_k = float(s[k]), float(b[k])
    nm_k, c_k, r_k = float(n_m[k]), float(c_bet[k]), float(fit["r"][k])
    if not np.isfinite(nm_k) or nm_k <= 0:
        raise FitError(
            f"{prov.source or 'BET'}: slope + intercept = {s_k + b_k:.3g} ≤ 0 in p/p0 "
            f"{span(x_all[i[k]], x_all[j[k]], '.3g')}; no monolayer amount can be derived"
        )
    se_s, se_b = float(fit["se_slope"][k]), float(fit["se_intercept"][k])
    area = nm_k * area_per_mmol
    area_se = area * np.hypot(se_s, se_b) / (s_k + b_k) if np.isfinite(se_s) else None
    c_se = (np.hypot(se_s / b_k, s_k * se_b / b_k**2) if np.isfinite(se_s) and b_k != 0
            else None)
    gas = canonical_name(adsorbate)
    # total area a volumetric analyser measures well: ~1 m² with N2 (or Ar, CO2); Kr at
    # 77 K, with its low saturation pressure (few molecules in the free space), ~0.05 m²
    tube_min = 0.05 if gas == "Kr" else 1.0
    if sample_mass_g and area * sample_mass_g < tube_min:
        notes.append(
            f"total area in the tube is {area * sample_mass_g:.3g} m² (< ~{tube_min:g} m²): "
            f"{gas} BET is imprecise here; "
            + ("more sample mass is advisable" if gas == "Kr" else "Kr at 77 K is advisable")
        )
    for msg in notes:
        warnings.warn(f"{prov.source or 'BET'}: {msg}", PhysicsWarning, stacklevel=3)
    if not auto:  # recorded, not warned: ISO 9277 ranges for type II/IV need not pass them
        notes += [f"Rouquerol criterion not met: {k}" for k, v in crit.items()
                  if not bool(np.asarray(v)[0]) and k not in ("c_positive", "linearity")]
    used = np.zeros(x_all.size, dtype=bool)
    used[i[k]:j[k] + 1] = True
    p_lo, p_hi = float(x_all[i[k]]), float(x_all[j[k]])
    crit_k = {name: bool(np.asarray(v)[sel][0]) for name, v in crit.items()}
    mode = (f"Rouquerol range (exhaustive search, rule {rule})" if auto else "user range")
    method = (
        f"BET (ISO 9277), {mode} p/p0 {span(p_lo, p_hi, '.4g')}, {int(fit['n'][k])} points, "
        f"σ({canonical_name(adsorbate)}) = {sigma:g} nm², 22 414 cm³(STP)/mol, "
        f"N_A = 6.02214076e23 /mol" + (f"; {note}" if note else "")
    )
    params = {
        "p_range": [p_lo, p_hi], "n_points": int(fit["n"][k]), "cross_section_nm2": sigma,
        "auto": auto, "tolerance": tolerance, "min_points": min_points, "min_r2": min_r2,
        "p_max": p_max, "molar_volume_stp_cm3_per_mol": MOLAR_VOLUME_STP,
        "rule": rule if auto else None,
    }
    src = prov.with_parameters(**params)
    extra = {"r": r_k, "n_m_mmol_per_g": nm_k, "criteria": crit_k, "notes": notes}
    if spread is not None:
        extra.update(area_spread_min=spread[0], area_spread_max=spread[1],
                     n_valid_ranges=int(valid.sum()))
    area_m = Measurement(area, area_se, "m^2/g", "sorption", method, src, extra,
                         flags=tuple(vocab))
    c_m = Measurement(c_k, c_se, "1", "sorption", method, src, {"r": r_k}, flags=tuple(vocab))
    transform = xr.Dataset(
        {
            "amount": ("point", n_all, {"units": "mmol/g"}),
            "bet_transform": ("point", y_all, {"units": "g/mmol",
                                               "long_name": "1/[n(p0/p − 1)]"}),
            "rouquerol": ("point", rq_all, {"units": "mmol/g", "long_name": "n(1 − p/p0)"}),
            "used": ("point", used),
        },
        coords={"relative_pressure": ("point", x_all, {"units": "1"})},
    )
    return BETResult(
        bet_area=area_m, bet_c=c_m, n_m=nm_k, p_range=(p_lo, p_hi),
        n_points=int(fit["n"][k]), r=r_k,
        slope=s_k, intercept=b_k, criteria=crit_k, p_at_nm=float(p_nm[k]),
        p_from_c=float(p_c[k]), cross_section_nm2=sigma, auto=auto, area_spread=spread,
        n_valid_ranges=int(valid.sum()) if auto else 0, ranges=ranges, transform=transform,
        notes=tuple(notes),
    )


def bet_area(
    isotherm: xr.Dataset,
    *,
    p_range: tuple[float, float] | None = None,
    cross_section_nm2: float | None = None,
    p_max: float = 0.5,
    min_points: int = 5,
    tolerance: float = 0.20,
    min_r2: float | None = 0.995,
    rule: Literal["most_points", "betsi"] = "most_points",
) -> BETResult:
    """BET area of an isotherm's adsorption branch (ISO 9277).

    Parameters
    ----------
    isotherm : xarray.Dataset
        From :func:`charz.read` (amount in mmol/g, ``attrs["adsorbate"]``).
    p_range : (float, float), optional
        User range of p/p0 (inclusive); None: automatic Rouquerol range (module docstring).
    cross_section_nm2 : float, optional
        nm^2; default from the adsorbate (N2 0.162, Ar 0.142, Kr 0.202, CO2 0.170).
    p_max, min_points, tolerance, min_r2, rule
        Automatic-range settings, see :func:`bet_area_raw`.

    Returns
    -------
    BETResult
        ``descriptors()`` gives ``bet_area`` (m^2/g) and ``bet_c``.

    Raises
    ------
    FitError
        No valid range, too few points, or no cross-section for the adsorbate.

    Warns
    -----
    PhysicsWarning
        User range with C ≤ 0 or failing criteria; very low total area.

    Notes
    -----
    1/[n(p0/p − 1)] = 1/(n_m C) + (C − 1)/(n_m C)·p/p0; n_m = 1/(s + i), C = 1 + s/i,
    A = n_m·N_A·σ. Area stderr σ_A = A·√(σ_s² + σ_i²)/(s + i) (as Micromeritics reports).

    References
    ----------
    .. [1] ISO 9277:2022. .. [2] Rouquerol et al., Stud. Surf. Sci. Catal. 160 (2007) 49.
    """
    ads = _branch(isotherm, "adsorption")
    return bet_area_raw(
        ads["relative_pressure"].values, ads.values,
        adsorbate=str(isotherm.attrs.get("adsorbate", "N2")), cross_section_nm2=cross_section_nm2,
        p_range=p_range, p_max=p_max, min_points=min_points, tolerance=tolerance,
        min_r2=min_r2, rule=rule, provenance=Provenance.from_data(isotherm),
        sample_mass_g=isotherm.attrs.get("sample_mass_g"),
        note=("assumed by the reader: " + ", ".join(isotherm.attrs["assumed"])
              if isotherm.attrs.get("assumed") else ""),
        flags=assumed_flags(isotherm),
    )
