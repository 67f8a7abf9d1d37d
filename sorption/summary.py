"""Every sorption descriptor of one isotherm in one call (what ``charz sorption`` runs).

N2/Ar/Kr isotherms: BET (Rouquerol range unless a range is given), total pore volume at
p/p0 ≈ 0.99 and 4V/A, BJH (desorption branch unless told), t-plot. CO2 isotherms near
273 K: Dubinin–Radushkevich. An analysis that cannot be done (too few points, no valid BET
range, no desorption branch) is skipped with a :class:`~charz.errors.PhysicsWarning` and
its reason kept in ``skipped``; it never turns into a silent number.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.errors import FitError, MissingMetadataError, PhysicsWarning
from charz.record import Measurement
from sorption._adsorbates import canonical_name
from sorption.io import branch as _branch
from sorption.io._isotherm import branch_option

__all__ = ["SorptionSummary", "summarize"]


@dataclass(frozen=True, slots=True, eq=False)
class SorptionSummary(DescriptorsHTMLMixin):
    """All results for one isotherm.

    Attributes
    ----------
    isotherm : xarray.Dataset
    bet, pore_volume, bjh, tplot, dr : result objects or None
        :class:`~sorption.bet.BETResult`, :class:`~sorption.micropore.PoreVolumeResult`,
        :class:`~sorption.bjh.BJHResult`, :class:`~sorption.micropore.TPlotResult`,
        :class:`~sorption.micropore.DRResult`.
    skipped : tuple of str
        ``"analysis: reason"`` for every analysis not done.
    """

    isotherm: xr.Dataset = field(repr=False)
    bet: Any = None
    pore_volume: Any = None
    bjh: Any = None
    tplot: Any = None
    dr: Any = None
    skipped: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """One line: the values (``SorptionSummary(bet_area=54.0(2) m^2/g [sorption], ...)``)."""
        try:
            items = self.descriptors().items()
        except Exception:  # a repr never raises
            items = ()
        return f"{type(self).__name__}({', '.join(f'{k}={m!r}' for k, m in items)})"

    def descriptors(self) -> dict[str, Measurement]:
        """Every record key filled (a negative t-plot micropore volume is left out)."""
        out: dict[str, Measurement] = {}
        for res in (self.bet, self.pore_volume, self.bjh, self.dr):
            if res is not None:
                out.update(res.descriptors())
        if self.tplot is not None and self.tplot.micropore_volume.value >= 0:
            out.update(self.tplot.descriptors())
        return out

    def plot(self, ax: Any = None) -> Any:
        """Isotherm (both branches), BET plot with the range, Rouquerol plot, PSD (or DR).

        One panel per analysis that ran: 2×2 with all four, else a row (a CO2 isotherm:
        isotherm and DR; no BET: isotherm, t-plot, PSD), so no panel is left empty.
        Returns the first Axes (``ax`` is ignored: the figure has several).
        """
        import matplotlib.pyplot as plt

        draw: list[Any] = []
        if self.bet is not None:
            draw += [self.bet.plot, self.bet.plot_rouquerol]
        elif self.tplot is not None:
            draw.append(self.tplot.plot)
        if self.bjh is not None:
            draw.append(self.bjh.plot)
        elif self.dr is not None:
            draw.append(self.dr.plot)
        n = 1 + len(draw)
        shape, size = ((2, 2), (10, 8)) if n == 4 else ((1, n), (5 * n, 4.2))
        fig, axes = plt.subplots(*shape, figsize=size, layout="constrained", squeeze=False)
        axes = axes.ravel()
        a0 = axes[0]
        for which, style in (("adsorption", "o-"), ("desorption", "s--")):
            br = _branch(self.isotherm, which)
            if br.size:
                a0.plot(br["relative_pressure"].values, br.values, style, ms=3, label=which)
        a0.set_xlabel("p/p0")
        a0.set_ylabel("n (mmol/g)")
        iso = self.isotherm.attrs
        a0.set_title(f"{iso.get('sample', iso.get('source', ''))}: "
                     f"{iso.get('adsorbate', '')} at {iso.get('temperature_K', 0):g} K")
        a0.legend(fontsize="small")
        for panel, plot in zip(axes[1:], draw, strict=True):
            plot(panel)
        if self.skipped:
            fig.suptitle("skipped: " + "; ".join(s.split(":")[0] for s in self.skipped),
                         fontsize="small")
        return a0


def summarize(
    isotherm: xr.Dataset,
    *,
    bet_range: tuple[float, float] | None = None,
    thickness_curve: Any = "harkins_jura",
    bjh_branch: Literal["desorption", "adsorption"] = "desorption",
    t_range_nm: tuple[float, float] = (0.35, 0.50),
    p_total: float = 0.99,
    dr_range: tuple[float, float] = (1e-5, 0.03),
    adsorbed_density_co2_g_cm3: float = 1.023,
    bet_options: dict[str, Any] | None = None,
) -> SorptionSummary:
    """Run the analyses that apply to the isotherm's adsorptive.

    Parameters
    ----------
    isotherm : xarray.Dataset
    bet_range : (float, float), optional
        User BET range (p/p0); default the Rouquerol range.
    thickness_curve : str, callable or table
        For BJH and the t-plot (``carbon_black`` recommended for carbons).
    bjh_branch : {'desorption', 'adsorption'}
    t_range_nm : (float, float)
        t-plot window in nm.
    p_total : float
        p/p0 of the total pore volume (nearest measured point).
    dr_range : (float, float)
        DR window in p/p0 (CO2).
    adsorbed_density_co2_g_cm3 : float
        g/cm^3 for the DR volume.
    bet_options : dict, optional
        More keyword arguments of :func:`sorption.bet.bet_area` (``min_r2``, ``rule``,
        ``tolerance``, ``min_points``, ``cross_section``).

    Returns
    -------
    SorptionSummary
    """
    from sorption.bet import bet_area
    from sorption.bjh import bjh_psd
    from sorption.micropore import dr_micropore_volume, t_plot, total_pore_volume

    bjh_branch = branch_option("bjh_branch", bjh_branch)
    gas = canonical_name(str(isotherm.attrs.get("adsorbate", "")))
    skipped: list[str] = []
    name = isotherm.attrs.get("source", "isotherm")

    def attempt(label: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (FitError, MissingMetadataError) as exc:
            skipped.append(f"{label}: {exc}")
            msg = str(exc).removeprefix(f"{name}: ")
            warnings.warn(f"{name}: {label} skipped: {msg}", PhysicsWarning, stacklevel=3)
            return None

    if gas == "CO2":
        dr = attempt("DR", dr_micropore_volume, isotherm, p_range=dr_range,
                     adsorbed_density_g_cm3=adsorbed_density_co2_g_cm3)
        return SorptionSummary(isotherm, dr=dr, skipped=tuple(skipped))
    bet = attempt("BET", bet_area, isotherm, p_range=bet_range, **(bet_options or {}))
    pv = attempt("total pore volume", total_pore_volume, isotherm, p_target=p_total, bet=bet)
    has_des = bool((isotherm["branch"].values == "desorption").sum() >= 3)
    bjh = None
    if bjh_branch == "desorption" and not has_des:
        skipped.append("BJH: no desorption branch (use bjh_branch='adsorption')")
        warnings.warn(f"{name}: BJH skipped: no desorption branch", PhysicsWarning,
                      stacklevel=2)
    else:
        bjh = attempt("BJH", bjh_psd, isotherm, branch=bjh_branch,
                      thickness_curve=thickness_curve)
    tp = attempt("t-plot", t_plot, isotherm, thickness_curve=thickness_curve, t_range_nm=t_range_nm)
    if tp is not None and tp.micropore_volume.value < 0:
        skipped.append("micropore_volume: negative t-plot intercept, not reported")
    return SorptionSummary(isotherm, bet=bet, pore_volume=pv, bjh=bjh, tplot=tp,
                           skipped=tuple(skipped))
