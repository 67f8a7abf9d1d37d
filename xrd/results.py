"""Results of the XRD peak fits: :class:`XRDFitResult`, :class:`FailedXRDFit` and their
figure (:func:`plot_xrd_fit`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import lmfit
import xarray as xr

from charz.display import DescriptorsHTMLMixin
from charz.record import Measurement
from charz.results import FailedFitBase

__all__ = ["FailedXRDFit", "XRDFitResult", "plot_xrd_fit"]


@dataclass(frozen=True, slots=True, eq=False)
class XRDFitResult(DescriptorsHTMLMixin):
    """Result of :func:`fit_pattern` / :func:`fit_002`.

    Attributes
    ----------
    d002, lc, n_layers, two_theta_002, fwhm_002 : Measurement
        (002) descriptors (nm, nm, 1, deg, deg); ``fwhm_002`` is instrument-corrected.
    la, two_theta_100, fwhm_100 : Measurement or None
        (10) descriptors, None when the (10) band was not fitted.
    extra : dict of str to Measurement
        Two-component keys (``fraction_002_ordered``, ``d002_ordered``, ``d002_dilated``)
        and ``dahn_r``.
    convention : str
        Name of the convention (``default``, ``jis``).
    wavelength : float
        λ used (nm).
    fit : lmfit.model.ModelResult
        The underlying fit (``fit_report()``, ``covar``, ``redchi``).
    curve : xarray.Dataset
        ``data``, ``best_fit``, ``residual``, ``background`` and each component over the
        fitted window.
    """

    d002: Measurement
    lc: Measurement
    n_layers: Measurement
    two_theta_002: Measurement
    fwhm_002: Measurement
    la: Measurement | None
    two_theta_100: Measurement | None
    fwhm_100: Measurement | None
    extra: Mapping[str, Measurement]
    convention: str
    wavelength: float
    fit: lmfit.model.ModelResult = field(repr=False)
    curve: xr.Dataset = field(repr=False)
    figure_name: ClassVar[str] = "fit"

    def descriptors(self) -> dict[str, Measurement]:
        """Record keys → Measurement."""
        out = {
            "d002": self.d002, "lc": self.lc, "n_layers": self.n_layers,
            "two_theta_002": self.two_theta_002, "fwhm_002": self.fwhm_002,
        }
        if self.la is not None:
            out.update(la=self.la, two_theta_100=self.two_theta_100, fwhm_100=self.fwhm_100)
        out.update(self.extra)
        return out

    def plot(self, ax: Any = None) -> Any:
        """Data, fit, components and background over 2θ, residuals below; returns the Axes.

        With ``ax=None`` a new figure (constrained layout) gets a residual panel under the
        fit, the file name as its title and the legend beside the data; with ``ax`` given
        only the fit is drawn on it.
        """
        flagged = sorted({f for m in self.descriptors().values() for f in m.flags})
        values = (f"d002 {self.d002.value:.4f} nm, Lc {self.lc.value:.2f} nm"
                  + (f", La {self.la.value:.2f} nm" if self.la is not None else ""))
        if flagged:
            values += "\nflagged: " + ", ".join(flagged)
        return plot_xrd_fit(self.curve, ax=ax, subtitle=values)


def plot_xrd_fit(curve: xr.Dataset, *, ax: Any = None, subtitle: str = "",
                 title: str | None = None) -> Any:
    """Draw an XRD fit curve Dataset (``data``; ``best_fit``, ``background``, ``peak_*``
    when present) with a residual panel; also draws failed fits (data only).

    Parameters
    ----------
    curve : xarray.Dataset
        Over ``two_theta`` (deg), as :attr:`XRDFitResult.curve`.
    ax : matplotlib.axes.Axes, optional
        Draw the fit here (no residual panel); default a new figure.
    subtitle : str
        Second title line (values, flags, or why the fit failed).
    title : str, optional
        Figure title; default the file name in ``curve.attrs["source"]``.

    Returns
    -------
    matplotlib.axes.Axes
        The fit panel.
    """
    import matplotlib.pyplot as plt

    x = curve["two_theta"].values
    y = curve["data"].values
    resid_ax = None
    if ax is None:
        _, (ax, resid_ax) = plt.subplots(
            2, 1, sharex=True, figsize=(5.0, 3.8), layout="constrained",
            gridspec_kw={"height_ratios": [3, 1]})
    ax.plot(x, y, ".", ms=1.5, color="0.5", label="data")
    if "best_fit" in curve:
        ax.plot(x, curve["best_fit"], "-", color="k", lw=1.0, label="fit")
    if "background" in curve:
        bg = curve["background"].values
        ax.plot(x, bg, "--", color="0.4", lw=0.8, label="background")
        for i, name in enumerate(n for n in curve.data_vars if n.startswith("peak_")):
            ax.plot(x, bg + curve[name].values, lw=0.8, color=f"C{i}",
                    label=name[5:].replace("_", " "))
    ax.set_ylabel(f"intensity ({curve['data'].attrs.get('units', 'a.u.')})")
    name = title if title is not None else str(curve.attrs.get("source", ""))
    head = "\n".join(t for t in (name, subtitle) if t)
    if head:
        ax.set_title(head, fontsize=9, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              fontsize=7, frameon=False)
    if resid_ax is not None:
        resid_ax.axhline(0, color="0.5", lw=0.5)
        if "best_fit" in curve:
            resid_ax.plot(x, y - curve["best_fit"].values, ".", ms=1.5, color="0.35")
        resid_ax.set_ylabel("data − fit")
        resid_ax.set_xlabel("2θ (deg)")
    else:
        ax.set_xlabel("2θ (deg)")
    return ax


@dataclass(frozen=True, slots=True, eq=False)
class FailedXRDFit(FailedFitBase):
    """A fit that failed: nothing to quote, but its figure shows why (``exc.result``).

    Attributes
    ----------
    curve : xarray.Dataset or None
        ``data`` (and ``best_fit`` of the last attempt when there was one) over 2θ.
    message : str
        Why it failed.
    flags : tuple of str
        ``no_signal`` or ``not_converged`` when that is why.
    """

    curve: xr.Dataset | None = field(repr=False)
    message: str
    flags: tuple[str, ...] = ()

    def _draw(self, curve: xr.Dataset, *, ax: Any, subtitle: str) -> Any:
        return plot_xrd_fit(curve, ax=ax, subtitle=subtitle)
