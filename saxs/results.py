"""Results of the SAXS model fits: :class:`ModelFitResult` and :class:`FailedFit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import lmfit
import numpy as np
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.record import Measurement
from charz.results import FailedFitBase
from saxs._common import plot_fit

__all__ = ["FailedFit", "ModelFitResult"]


@dataclass(frozen=True, slots=True, eq=False)
class ModelFitResult(DescriptorsHTMLMixin):
    """Fit of a SAXS model.

    Attributes
    ----------
    model : str
        ``"porod+dab"``, ``"power_law+sphere"``, ``"unified"``, ``"guinier_porod"``.
    parameters : dict
        Best-fit value and stderr of every parameter: ``{name: (value, stderr)}`` (nm,
        1/nm, intensity unit).
    pore_length_nm : float
        The raw fitted length (DAB a, sphere R, or Rg), nm.
    pore_length_name : str
        Which length it is.
    saxs_pore_diameter : Measurement
        ``saxs_pore_diameter`` with the conversion stated in ``method``.
    porod_exponent : Measurement or None
        Low-q power-law exponent when it was fitted (None when fixed or dropped).
    saxs_rg : Measurement or None
        ``saxs_rg`` when the model has a Guinier radius (unified, Guinier–Porod).
    saxs_correlation_length : Measurement or None
        DAB a (``saxs_correlation_length``).
    fit : lmfit.model.ModelResult
        The underlying fit.
    curve : xarray.Dataset
        ``data``, ``sigma``, ``best_fit``, ``residual`` and one variable per component
        over ``q`` (1/nm).
    """

    model: str
    parameters: dict[str, tuple[float, float | None]]
    pore_length_nm: float
    pore_length_name: str
    saxs_pore_diameter: Measurement
    porod_exponent: Measurement | None
    saxs_rg: Measurement | None
    saxs_correlation_length: Measurement | None
    fit: lmfit.model.ModelResult = field(repr=False)
    curve: xr.Dataset = field(repr=False)
    figure_name: ClassVar[str] = "model_fit"

    def descriptors(self) -> dict[str, Measurement]:
        """``saxs_pore_diameter`` (+ ``porod_exponent``, ``saxs_rg``, correlation length)."""
        out = {"saxs_pore_diameter": self.saxs_pore_diameter}
        if self.saxs_rg is not None:
            out["saxs_rg"] = self.saxs_rg
        if self.porod_exponent is not None:
            out["porod_exponent"] = self.porod_exponent
        if self.saxs_correlation_length is not None:
            out["saxs_correlation_length"] = self.saxs_correlation_length
        return out

    def component(self, name: str) -> np.ndarray:
        """One model component on the data's q grid."""
        return self.curve[name].values

    def pore_term(self) -> xr.DataArray:
        """The data minus the power-law tail and the background (the nanopore scattering).

        Use it for a Guinier fit of the pores (:func:`saxs.guinier.fit_guinier`) or the
        invariant of the pore term.
        """
        sub = self.curve["data"] - self.curve["power_law"] - self.parameters["background"][0]
        da = sub.rename("intensity")
        da.attrs = {**self.curve.attrs, **self.curve["data"].attrs}
        da.attrs["long_name"] = "intensity − power law − background"
        if "sigma" in self.curve:
            da = da.assign_coords(sigma=("q", self.curve["sigma"].values,
                                         {"units": da.attrs.get("units", "1")}))
        return da

    def plot(self, ax: Any = None) -> Any:
        """Log–log data, model, components; residuals below when ``ax`` is None."""
        comps = tuple(v for v in self.curve.data_vars
                      if v not in ("data", "sigma", "best_fit", "residual"))
        titles = {"porod+dab": "Porod + DAB", "power_law+sphere": "power law + spheres",
                  "unified": "power law + unified level", "guinier_porod": "power law + "
                  "Guinier–Porod"}
        flagged = sorted({f for m in self.descriptors().values() for f in m.flags})
        values = ", ".join(f"{k} {m.value:.3g}{'' if m.unit == '1' else ' ' + m.unit}"
                           for k, m in self.descriptors().items()
                           if k in ("saxs_pore_diameter", "saxs_rg", "porod_exponent"))
        sub = values + (("\nflagged: " + ", ".join(flagged)) if flagged else "")
        return plot_fit(self.curve, ax=ax, title=f"SAXS: {titles.get(self.model, self.model)}",
                        components=comps, subtitle=sub)


@dataclass(frozen=True, slots=True, eq=False)
class FailedFit(FailedFitBase):
    """A model fit that failed: no descriptors, but a figure that shows why.

    Attributes
    ----------
    model : str
        The model asked for.
    message : str
        Why it failed (the :class:`~charz.errors.FitError` message).
    curve : xarray.Dataset or None
        ``data`` (and ``best_fit`` of the last attempt when there was one) over ``q``.
    flags : tuple of str
        ``no_signal`` or ``not_converged`` when that is why.
    """

    model: str
    message: str
    curve: xr.Dataset | None = field(repr=False)
    flags: tuple[str, ...] = ()
    title_width: ClassVar[int] = 60

    def _draw(self, curve: xr.Dataset, *, ax: Any, subtitle: str) -> Any:
        return plot_fit(curve, ax=ax, title=f"SAXS: {self.model}", subtitle=subtitle)
