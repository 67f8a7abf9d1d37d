"""Comparison figures of a multi-sample campaign, as hard-carbon papers show them.

Given the analysis results of several samples (what ``charz report`` computes from a
manifest), this module draws the figures a paper comparing hard carbons shows, all in
charz's paper style (:data:`charz.plotting.PAPER_STYLE`), one colour per sample kept
through every figure, constrained layout, and writes them as PNG and PDF:

* :func:`compare_xrd` — stacked patterns with the fitted model, (002) and (10) marked,
  d002 / Lc / La per sample;
* :func:`compare_raman` — baseline-subtracted spectra normalized to the G apex, with the
  fitted D and G bands and I_D/I_G;
* :func:`compare_saxs` — log–log curves with the fitted model, and the pore term;
* :func:`compare_sorption` — N2 and CO2 isotherms, BJH pore-size distributions and
  Dubinin–Radushkevich plots;
* :func:`compare_echem` — first-cycle voltage profiles with the slope/plateau split, the
  over-sodiation curves with the plating onset, and first-desodiation dQ/dV;
* :func:`structure_performance` — a grid of structural descriptors against performance
  (plateau capacity, plating onset, ICE, slope share), each panel with Pearson r, p, n.

:func:`comparison_figures` also writes ``correlations.csv``: Pearson r, p and n for every
pair of descriptors that at least three samples have
(:func:`charz.correlate.correlation_table` with ``pairs="all"``). The inputs are plain mappings
``{sample: [result, ...]}``; results are recognised by what they carry (a fitted XRD curve
over ``two_theta``, a Raman fit over ``raman_shift`` ...), so this core module imports no
technique package (the dQ/dV panel uses ``echem.dqdv`` when it is installed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from charz.record import DESCRIPTORS, StructuralRecord

__all__ = [
    "FIGURES",
    "PERFORMANCE",
    "STRUCTURE",
    "compare_echem",
    "compare_raman",
    "compare_saxs",
    "compare_sorption",
    "compare_xrd",
    "comparison_figures",
    "demo_campaign",
    "sample_colors",
    "structure_performance",
]

#: Performance quantities of :func:`structure_performance` (rows).
PERFORMANCE: tuple[str, ...] = ("plateau_capacity", "plating_onset_capacity",
                                "initial_coulombic_efficiency", "slope_share")
#: Structural descriptors of :func:`structure_performance` (columns).
STRUCTURE: tuple[str, ...] = ("closed_pore_volume", "d002", "la", "bet_area",
                              "mean_pore_diameter")

#: Derived quantities (not record keys) and their labels.
_DERIVED = {"slope_share": ("1", "slope share Q$_{slope}$/Q$_{total}$"),
            "plateau_share": ("1", "plateau share Q$_{plateau}$/Q$_{total}$")}

#: Width of a double-column figure (inches).
_WIDE = 7.0


# --------------------------------------------------------------------------- helpers
def sample_colors(samples: Sequence[str]) -> dict[str, Any]:
    """One colour per sample, in order (a perceptually ordered map: the campaign is a series)."""
    import matplotlib

    cmap = matplotlib.colormaps["plasma"]
    n = len(samples)
    pos = np.linspace(0.0, 0.78, n) if n > 1 else np.array([0.0])
    return {s: cmap(float(p)) for s, p in zip(samples, pos, strict=True)}


def _pick_all(results: Mapping[str, Sequence[Any]], test: Callable[[Any], bool]
              ) -> dict[str, list[Any]]:
    """Every result of one kind (``test``) per sample that has one."""
    out: dict[str, list[Any]] = {}
    for sample, items in results.items():
        for r in items:
            try:
                ok = test(r)
            except Exception:  # a result without the attribute is simply not this kind
                ok = False
            if ok:
                out.setdefault(sample, []).append(r)
    return out


def _pick(results: Mapping[str, Sequence[Any]], test: Callable[[Any], bool]) -> dict[str, Any]:
    """The first result of one kind (``test``) per sample that has one."""
    return {sample: rs[0] for sample, rs in _pick_all(results, test).items()}


def _found(results: Mapping[str, Sequence[Any]], test: Callable[[Any], bool], what: str, *,
           every: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The results of one kind per sample (the first, or ``every`` one) and sample colours.

    Raises :class:`~charz.errors.CharzError` when no sample has one.
    """
    found = (_pick_all if every else _pick)(results, test)
    _need(found, what)
    return found, sample_colors(list(found))


def _is_xrd(r: Any) -> bool:
    return "two_theta" in r.curve.dims and hasattr(r, "d002")


def _curves(r: Any) -> Any:
    """A result's curves: ``curves()`` (series results compute one slice on demand)."""
    return r.curves() if callable(r.curves) else r.curves


def _is_raman(r: Any) -> bool:
    c = _curves(r)
    return "raman_shift" in c.dims and "band_d" in c


def _is_saxs(r: Any) -> bool:
    return "q" in r.curve.dims and "best_fit" in r.curve and hasattr(r, "porod_exponent")


def _is_sorption(r: Any) -> bool:
    return "relative_pressure" in r.isotherm and hasattr(r, "bjh")


def _is_capacity(r: Any) -> bool:
    return hasattr(r, "initial_coulombic_efficiency") and "voltage" in r.data


def _is_split(r: Any) -> bool:
    return hasattr(r, "split_voltage") and "voltage" in r.curve


def _is_onset(r: Any) -> bool:
    return hasattr(r, "plating_onset_capacity") and "voltage" in r.raw


def _proxies(*specs: tuple[str, dict[str, Any]]) -> list[Any]:
    """Legend handles in neutral colours (the sample colours are named by the labels)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = []
    for label, kw in specs:
        if kw.pop("patch", False):
            out.append(Patch(label=label, **kw))
        else:
            out.append(Line2D([], [], label=label, **kw))
    return out


def _fmt(m: Any, digits: int) -> str:
    return f"{m.value:.{digits}f}"


def _panel_label(ax: Any, letter: str) -> None:
    ax.text(-0.02, 1.02, f"({letter})", transform=ax.transAxes, ha="right", va="bottom",
            fontweight="bold")


def _new_figure(width: float, height: float, nrows: int = 1, ncols: int = 1, *,
                rc: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    from charz.plotting import PAPER_STYLE

    with plt.rc_context({**PAPER_STYLE, **(rc or {})}):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained",
                                 squeeze=False, **kwargs)
    return fig, axes


def _need(found: Mapping[str, Any], what: str) -> None:
    from charz.errors import CharzError

    if not found:
        raise CharzError(f"no {what} result among the samples: nothing to compare")


# --------------------------------------------------------------------------- XRD
def compare_xrd(results: Mapping[str, Sequence[Any]], *, offset: float = 1.15) -> Any:
    """Stacked XRD patterns with the fitted model, (002) and (10) marked and labelled.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}``; the XRD fit of each sample (a result with a fitted
        ``curve`` over ``two_theta`` and ``d002``/``lc``/``la``) is used.
    offset : float
        Vertical step between patterns, in units of each pattern's (002) height above
        its background.

    Returns
    -------
    matplotlib.figure.Figure
    """
    found, colors = _found(results, _is_xrd, "XRD")
    fig, axes = _new_figure(4.6, 1.0 + 1.35 * len(found))
    ax = axes[0, 0]
    labels_y = []
    for k, (sample, r) in enumerate(found.items()):
        c = r.curve
        x = c["two_theta"].values
        bg = c["background"].values if "background" in c else np.zeros_like(x)
        data = c["data"].values - bg
        fit = c["best_fit"].values - bg
        scale = float(np.nanmax(fit)) or 1.0
        base = k * offset
        ax.plot(x, data / scale + base, ".", ms=1.2, color="0.6", rasterized=True)
        ax.plot(x, fit / scale + base, "-", color=colors[sample], lw=1.2)
        for key, tag in (("two_theta_002", "(002)"), ("two_theta_100", "(10)")):
            pos = getattr(r, key).value
            y_at = float(np.interp(pos, x, fit)) / scale + base
            ax.plot([pos, pos], [y_at + 0.04, y_at + 0.16], "-", color="k", lw=0.8)
            if k == len(found) - 1:
                ax.text(pos, y_at + 0.2, tag, ha="center", va="bottom", fontsize=7)
        text = (f"{sample}\n$d_{{002}}$ = {_fmt(r.d002, 3)} nm\n"
                f"$L_c$ = {_fmt(r.lc, 2)} nm, $L_a$ = {_fmt(r.la, 2)} nm")
        labels_y.append(base)
        ax.text(0.985, 0, text, transform=ax.get_yaxis_transform(), ha="right",
                va="bottom", fontsize=6.5, color=colors[sample], linespacing=1.15)
        ax.texts[-1].set_y(base + 0.42)
    ax.set_xlabel(r"2$\theta$ (°, Cu K$\alpha_1$)")
    ax.set_ylabel("intensity − background (normalized, offset)")
    ax.set_yticks([])
    ax.set_ylim(-0.15, (len(found) - 1) * offset + 1.45)
    xs = np.concatenate([r.curve["two_theta"].values for r in found.values()])
    ax.set_xlim(float(xs.min()), float(xs.max()))
    ax.legend(handles=_proxies(("data", {"ls": "", "marker": ".", "color": "0.6"}),
                               ("fit", {"color": "0.2", "lw": 1.2})),
              loc="upper left", handlelength=1.2)
    return fig


# --------------------------------------------------------------------------- Raman
def compare_raman(results: Mapping[str, Sequence[Any]], *, offset: float = 1.1) -> Any:
    """Raman spectra (baseline subtracted, normalized to the fit's maximum) with the D and G.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}``; the band fit of each sample (a result with ``curves``
        over ``raman_shift`` holding ``band_d`` and ``band_g``) is used.
    offset : float
        Vertical step between spectra (normalized units).

    Returns
    -------
    matplotlib.figure.Figure
    """
    found, colors = _found(results, _is_raman, "Raman")
    fig, axes = _new_figure(4.6, 1.0 + 1.35 * len(found))
    ax = axes[0, 0]
    for k, (sample, r) in enumerate(found.items()):
        c = _curves(r)
        x = c["raman_shift"].values
        bg = c["background"].values if "background" in c else np.zeros_like(x)
        fit = c["best_fit"].values - bg
        g = c["band_g"].values
        scale = float(np.nanmax(fit)) or 1.0
        base = k * offset
        ax.plot(x, (c["data"].values - bg) / scale + base, ".", ms=1.2, color="0.6",
                rasterized=True)
        ax.fill_between(x, base, c["band_d"].values / scale + base, color=colors[sample],
                        alpha=0.18, lw=0)
        ax.plot(x, c["band_d"].values / scale + base, "--", color=colors[sample], lw=0.8)
        ax.plot(x, g / scale + base, ":", color=colors[sample], lw=1.0)
        ax.plot(x, fit / scale + base, "-", color=colors[sample], lw=1.2)
        desc = r.descriptors()
        parts = [sample]
        if "id_ig" in desc:
            parts.append(f"$I_D/I_G$ = {desc['id_ig'].value:.2f}")
        if "g_position" in desc:
            parts.append(f"$\\omega_G$ = {desc['g_position'].value:.0f} cm$^{{-1}}$")
        ax.text(0.985, base + 0.45, "\n".join(parts), transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=6.5, color=colors[sample],
                linespacing=1.15)
    ax.set_xlabel("Raman shift (cm$^{-1}$)")
    ax.set_ylabel("intensity − baseline (normalized, offset)")
    ax.set_yticks([])
    ax.set_ylim(-0.08, (len(found) - 1) * offset + 1.42)
    xs = np.concatenate([_curves(r)["raman_shift"].values for r in found.values()])
    ax.set_xlim(float(xs.min()), float(xs.max()))
    ax.legend(handles=_proxies(("data", {"ls": "", "marker": ".", "color": "0.6"}),
                               ("fit", {"color": "0.2", "lw": 1.2}),
                               ("D band", {"patch": True, "color": "0.2", "alpha": 0.18}),
                               ("G band", {"color": "0.2", "ls": ":", "lw": 1.0})),
              loc="upper left", handlelength=1.4, ncols=2)
    return fig


# --------------------------------------------------------------------------- SAXS
def compare_saxs(results: Mapping[str, Sequence[Any]]) -> Any:
    """SAXS curves on log–log axes with the fitted model, and the pore term alone.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}``; the model fit of each sample (a result with a fitted
        ``curve`` over ``q`` and ``porod_exponent``) is used.

    Returns
    -------
    matplotlib.figure.Figure
        (a) I(q) with the fit (intensities scaled to the pore term's plateau so that the
        curves of files on different scales compare); (b) the pore term (data minus the
        fitted power law and background) with its model.
    """
    found, colors = _found(results, _is_saxs, "SAXS")
    fig, axes = _new_figure(_WIDE, 2.8, 1, 2)
    a, b = axes[0]
    for sample, r in found.items():
        c = r.curve
        q = c["q"].values
        pore_name = next((n for n in ("dab", "spheres", "pore", "level_2") if n in c), None)
        pore = c[pore_name].values if pore_name else None
        norm = float(pore[0]) if pore is not None and pore[0] > 0 else 1.0
        col = colors[sample]
        a.plot(q, c["data"].values / norm, "o", ms=1.6, mfc="none", mew=0.5, color=col,
               alpha=0.7)
        lab = f"{sample}: P = {r.porod_exponent.value:.2f}"
        a.plot(q, c["best_fit"].values / norm, "-", color=col, lw=1.1, label=lab)
        if pore is not None:
            rest = c["best_fit"].values - pore
            p_data = (c["data"].values - rest) / norm
            ok = p_data > 0
            b.plot(q[ok], p_data[ok], "o", ms=1.6, mfc="none", mew=0.5, color=col, alpha=0.7)
            d = r.saxs_pore_diameter.value
            b.plot(q, pore / norm, "-", color=col, lw=1.1,
                   label=f"{sample}: $D_{{SAXS}}$ = {d:.2f} nm")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("q (nm$^{-1}$)")
        ax.legend(loc="lower left", handlelength=1.4)
    a.set_ylabel("I / I$_{pore}$(0)")
    b.set_ylabel("pore term / I$_{pore}$(0)")
    b.set_ylim(bottom=1e-3, top=3.0)
    a.set_title("data and Porod + pore-model fit", fontsize=8)
    b.set_title("pore term (power law and background removed)", fontsize=8)
    _panel_label(a, "a")
    _panel_label(b, "b")
    return fig


# --------------------------------------------------------------------------- sorption
def compare_sorption(results: Mapping[str, Sequence[Any]]) -> Any:
    """N2 and CO2 isotherms, BJH pore-size distributions and Dubinin–Radushkevich plots.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}``; isotherm summaries (a result with ``isotherm`` and the
        BET/BJH/DR results) are used: N2 (or Ar/Kr) ones for (a) and (c), CO2 ones for (b)
        and (d).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from charz.plotting import legends_clear_of_data

    found, colors = _found(results, _is_sorption, "sorption", every=True)
    fig, axes = _new_figure(_WIDE, 5.2, 2, 2)
    (a, b), (c, d) = axes
    for sample, items in found.items():
        col = colors[sample]
        for r in items:
            iso = r.isotherm
            gas = str(iso.attrs.get("adsorbate", ""))
            br = np.asarray(iso["branch"].values).astype(str)
            p = iso["relative_pressure"].values
            n = iso["amount"].values
            if r.dr is None and gas.upper() != "CO2":
                ads = br == "adsorption"
                a.plot(p[ads], n[ads], "o-", ms=2.5, lw=0.8, color=col, label=sample)
                des = br == "desorption"
                if des.any():
                    a.plot(p[des], n[des], "o--", ms=2.5, lw=0.8, mfc="white", color=col)
                if r.bjh is not None:
                    psd = r.bjh.psd
                    dd = psd["diameter"].values
                    order = np.argsort(dd)
                    c.plot(dd[order], psd["dV_dlogD"].values[order], "o-", ms=2.5, color=col,
                           lw=1.0, label=f"{sample}: mode {r.bjh.bjh_pore_diameter.value:.1f} nm")
                continue
            if r.dr is not None:
                b.plot(p * 1e3, n, "o-", ms=2.5, lw=0.8, color=col, label=sample)
                dr = r.dr
                x2 = dr.data["log2_p0_p"].values
                lw_ = dr.data["log_w"].values
                d.plot(x2, lw_, "o", ms=2.5, mfc="none", mew=0.7, color=col)
                xs = np.linspace(0, float(np.nanmax(x2)) * 1.02, 50)
                d.plot(xs, dr.intercept + dr.slope * xs, "-", color=col, lw=1.0,
                       label=f"{sample}: $W_0$ = {dr.dr_micropore_volume.value:.3f} cm$^3$/g")
    unit = "mmol/g"
    a.set_xlabel("p/p$_0$")
    a.set_ylabel(f"N$_2$ adsorbed, 77 K ({unit})")
    a.set_xlim(0, 1)
    a.set_ylim(bottom=0)
    b.set_xlabel("p/p$_0$ (×10$^{-3}$)")
    b.set_ylabel(f"CO$_2$ adsorbed, 273 K ({unit})")
    b.set_xlim(left=0)
    b.set_ylim(bottom=0)
    c.set_xscale("log")
    # N2 (77 K) desorption closes at p/p0 0.42-0.50 (tensile-strength effect): a BJH peak
    # near 3.4-4.0 nm from the desorption branch is an artefact, not a pore size
    c.axvspan(3.4, 4.0, color="0.9", lw=0, zorder=0)
    c.text(3.7, 0.98, "TSE", transform=c.get_xaxis_transform(), ha="center", va="top",
           fontsize=6, color="0.4")
    c.set_xlabel("pore diameter (nm)")
    c.set_ylabel("BJH dV/dlog D (cm$^3$/g)")
    c.set_ylim(bottom=0)
    c.set_xlim(1.5, 200)
    d.set_xlabel("log$_{10}^2$(p$_0$/p)")
    d.set_ylabel("log$_{10}$ W (W in cm$^3$/g)")
    d.set_xlim(left=0)
    for ax, letter in zip((a, b, c, d), "abcd", strict=True):
        _panel_label(ax, letter)
        if not ax.has_data():
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center",
                    color="0.5")
    # each legend where it covers no data point or line (in a free corner, else beside
    # the panel): with three samples, fixed corners hid the BJH peaks and the DR lines
    legends_clear_of_data([
        (ax, kw) for ax, kw in (
            (a, {"title": "filled: ads., open: des.", "title_fontsize": 6.5}),
            (b, {}),
            (c, {"title": "desorption branch", "title_fontsize": 6.5}),
            (d, {"title": "Dubinin–Radushkevich", "title_fontsize": 6.5}))
        if ax.get_legend_handles_labels()[0]])
    return fig


# --------------------------------------------------------------------------- echem
def compare_echem(results: Mapping[str, Sequence[Any]]) -> Any:
    """First-cycle voltage profiles, over-sodiation with the plating onset, and dQ/dV.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}``; the cycler analyses of each sample: capacities (with
        the cycler ``data``), the slope/plateau split and, when present, the plating onset.

    Returns
    -------
    matplotlib.figure.Figure
        (a) first sodiation and desodiation against specific capacity, the split voltage
        and each sample's slope/plateau boundary; (b) the over-sodiation curves with the
        plating onset (voltage minimum) marked; (c) dQ/dV of the first desodiation
        (needs ``echem``; left out otherwise).
    """
    caps = _pick(results, _is_capacity)
    splits = _pick(results, _is_split)
    onsets = _pick(results, _is_onset)
    _need(caps or splits, "cycler")
    samples = list(dict.fromkeys([*caps, *splits, *onsets]))
    colors = sample_colors(samples)
    try:
        from echem.dqdv import dqdv
    except ImportError:  # the panel needs echem's smoothing
        dqdv = None
    ncols = 3 if dqdv is not None else 2
    fig, axes = _new_figure(_WIDE, 2.7, 1, ncols)
    a, b = axes[0][:2]
    split_v = None
    for sample in samples:
        col = colors[sample]
        sp = splits.get(sample)
        cap = caps.get(sample)
        if cap is not None:
            ds = cap.data
            cyc = cap.cycle
            sel = np.asarray(ds["cycle"].values) == cyc
            i = np.asarray(ds["current"].values)[sel]
            v = np.asarray(ds["voltage"].values)[sel]
            q = np.asarray(ds["capacity"].values)[sel]
            for mask, style in ((i < 0, "-"), (i > 0, "--")):
                if mask.any():
                    a.plot(q[mask], v[mask], style, color=col, lw=1.1)
        elif sp is not None:
            a.plot(sp.curve["capacity"].values, sp.curve["voltage"].values, "-", color=col,
                   lw=1.1)
        if sp is not None:
            split_v = sp.split_voltage
            qs = sp.slope_capacity.value
            a.plot([qs], [split_v], "o", ms=4, color=col, mec="k", mew=0.5, zorder=5)
        on = onsets.get(sample)
        if on is not None:
            raw = on.raw
            b.plot(raw["capacity"].values, raw["voltage"].values, "-", color=col, lw=1.0,
                   label=f"{sample}: {on.plating_onset_capacity.value:.0f} mA h/g")
            b.plot([on.plating_onset_capacity.value], [on.minimum_voltage], "v", ms=5,
                   color=col, mec="k", mew=0.5, zorder=5)
        if dqdv is not None and cap is not None:
            try:
                res = dqdv(cap.data, cycle=cap.cycle, half="desodiation")
            except Exception as exc:
                warnings.warn(f"{sample}: no dQ/dV ({exc})", stacklevel=2)
            else:
                cv = res.curve
                axes[0][2].plot(cv["voltage"].values, cv["dqdv"].values, "-", color=col,
                                lw=1.1)
    if split_v is not None:
        a.axhline(split_v, color="0.4", lw=0.7, ls=":")
    a.set_xlabel("specific capacity (mA h/g)")
    a.set_ylabel("voltage (V vs Na$^+$/Na)")
    a.set_ylim(-0.02, 1.6)
    a.set_xlim(left=0)
    b.axhline(0.0, color="0.4", lw=0.7, ls=":")
    b.set_xlabel("sodiation capacity (mA h/g)")
    b.set_ylabel("voltage (V vs Na$^+$/Na)")
    if onsets:
        qmin = min(float(o.plating_onset_capacity.value) for o in onsets.values())
        b.set_xlim(left=max(0.0, qmin - 120.0))
        b.set_ylim(-0.05, 0.2)
        b.legend(loc="upper right", title="plating onset", title_fontsize=6.5)
    else:
        b.text(0.5, 0.5, "no over-sodiation", transform=b.transAxes, ha="center",
               color="0.5")
    b.set_title("over-sodiation", fontsize=8)
    a.set_title("first cycle", fontsize=8)
    _panel_label(a, "a")
    _panel_label(b, "b")
    if dqdv is not None:
        c = axes[0][2]
        c.set_xlabel("voltage (V vs Na$^+$/Na)")
        c.set_ylabel("dQ/dV (mA h g$^{-1}$ V$^{-1}$)")
        c.set_xlim(0, 0.3)
        c.set_ylim(bottom=0)
        c.set_title("first desodiation", fontsize=8)
        _panel_label(c, "c")
    handles = _proxies(*[(s_, {"color": colors[s_], "lw": 1.4}) for s_ in samples],
                       ("sodiation", {"color": "0.2", "lw": 1.1}),
                       ("desodiation", {"color": "0.2", "lw": 1.1, "ls": "--"}),
                       (f"capacity above {split_v if split_v is not None else 0.1:g} V "
                        "(slope)", {"ls": "", "marker": "o", "ms": 4, "mfc": "0.6",
                                    "mec": "k", "mew": 0.5}),
                       ("plating onset", {"ls": "", "marker": "v", "ms": 5, "mfc": "0.6",
                                          "mec": "k", "mew": 0.5}))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 7),
               handlelength=1.6, columnspacing=1.2)
    return fig


# --------------------------------------------------------------------------- correlations
def _label(key: str) -> str:
    if key in DESCRIPTORS:
        return DESCRIPTORS[key].label_tex
    return _DERIVED.get(key, ("", key))[1]


def structure_performance(
    records: Iterable[StructuralRecord],
    *,
    structure: Sequence[str] = STRUCTURE,
    performance: Sequence[str] = PERFORMANCE,
) -> Any:
    """Grid of structural descriptors (columns) against performance (rows), with r, p, n.

    Parameters
    ----------
    records : iterable of StructuralRecord
    structure : sequence of str
        Descriptor keys on the x axes (default :data:`STRUCTURE`).
    performance : sequence of str
        Keys (or ``slope_share``/``plateau_share``) on the y axes (default
        :data:`PERFORMANCE`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per pair: a point per sample (the campaign's colours), the least-squares
        line when at least three samples have both values, and Pearson r, p and n.
    """
    from charz.correlate import _pair_stats, descriptor_frame

    df = descriptor_frame(records)
    samples = list(df.index)
    colors = sample_colors(samples)
    xs = [k for k in structure if k in df.columns] or list(structure)
    ys = [k for k in performance if k in df.columns] or list(performance)
    fig, axes = _new_figure(_WIDE, 1.45 * len(ys) + 0.5, len(ys), len(xs), sharex="col",
                            sharey="row",
                            rc={"xtick.minor.visible": False, "ytick.minor.visible": False})
    for i, yk in enumerate(ys):
        for j, xk in enumerate(xs):
            ax = axes[i, j]
            if xk not in df.columns or yk not in df.columns:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center",
                        va="center", color="0.5", fontsize=7)
            else:
                xv = df[xk].to_numpy(float)
                yv = df[yk].to_numpy(float)
                for s, a_, b_ in zip(samples, xv, yv, strict=True):
                    if np.isfinite(a_) and np.isfinite(b_):
                        ax.plot(a_, b_, "o", ms=4.5, color=colors[s], mec="k", mew=0.4,
                                label=s)
                st = _pair_stats(xv, yv)
                if math.isfinite(st["slope"]):
                    ok = np.isfinite(xv)
                    lo, hi = float(np.nanmin(xv[ok])), float(np.nanmax(xv[ok]))
                    pad = 0.08 * (hi - lo)
                    xx = np.array([lo - pad, hi + pad])
                    ax.plot(xx, st["intercept"] + st["slope"] * xx, "-", color="0.45",
                            lw=0.8, zorder=0)
                    txt = f"r = {st['pearson_r']:.2f}\np = {st['p_value']:.2g}, n = {st['n']}"
                else:
                    txt = f"n = {st['n']}"
                # the corner the data leave free: upper left for r > 0, upper right for r < 0
                right = math.isfinite(st["pearson_r"]) and st["pearson_r"] < 0
                ax.text(0.96 if right else 0.04, 0.96, txt, transform=ax.transAxes,
                        ha="right" if right else "left", va="top",
                        fontsize=5.8, linespacing=1.1,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})
            ax.margins(x=0.18, y=0.32)
            ax.tick_params(labelsize=6.5)
            if i == len(ys) - 1:
                ax.set_xlabel(_label(xk), fontsize=7)
            if j == 0:
                ax.set_ylabel(_label(yk), fontsize=7)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper center", ncols=len(handles),
                   frameon=False)
    return fig


# --------------------------------------------------------------------------- all of it
#: The comparison figures: file stem -> drawing function of ``results``.
FIGURES: dict[str, Callable[[Mapping[str, Sequence[Any]]], Any]] = {
    "compare_xrd": compare_xrd,
    "compare_raman": compare_raman,
    "compare_saxs": compare_saxs,
    "compare_sorption": compare_sorption,
    "compare_echem": compare_echem,
}


def comparison_figures(
    results: Mapping[str, Sequence[Any]],
    records: Iterable[StructuralRecord],
    out: str | Path,
    *,
    min_n: int = 3,
) -> list[Path]:
    """Write every comparison figure (PNG and PDF) and ``correlations.csv`` into ``out``.

    Parameters
    ----------
    results : mapping of str to sequence
        ``{sample: [result, ...]}`` — every analysis result of every sample.
    records : iterable of StructuralRecord
        The samples' records (for ``structure_performance`` and the correlations).
    out : str or Path
        Folder.
    min_n : int
        Samples needed for a correlation (and for ``structure_performance``).

    Returns
    -------
    list of Path
        Files written. A figure whose technique no sample has is skipped; a figure that
        fails is reported with a :class:`~charz.errors.CharzWarning` and the others are
        still written.
    """
    from charz.correlate import correlation_table, descriptor_frame
    from charz.errors import CharzError, CharzWarning
    from charz.output import write_csv
    from charz.plotting import save_figure, use_style

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = list(records)
    written: list[Path] = []
    with use_style():
        for stem, func in FIGURES.items():
            try:
                fig = func(results)
            except CharzError:
                continue  # no sample has this technique
            except Exception as exc:
                warnings.warn(f"comparison figure {stem} failed: {exc}", CharzWarning,
                              stacklevel=2)
                continue
            written += save_figure(fig, out / stem)
        df = descriptor_frame(records) if records else pd.DataFrame()
        if len(df) >= min_n:
            written += save_figure(structure_performance(records), out / "structure_performance")
            table = correlation_table(records, pairs="all", min_n=min_n)
            written.append(write_csv(out / "correlations.csv", table, index=False, metadata={
                "description": "Pearson r, two-sided p-value and n for every pair of "
                               "descriptors that at least min_n samples have; least-squares "
                               "line y = intercept + slope·x in the units x_unit, y_unit",
                "min_n": min_n, "samples": [r.sample for r in records]}))
    return written


def demo_campaign(ctx: Any) -> None:
    """``charz demo`` part: the embedded three-sample campaign, from its raw files.

    Analyses every file of ``campaign/manifest.csv`` (hard carbons pyrolysed at 1100,
    1300 and 1500 °C; XRD, Raman, SAXS, He pycnometry, N2/CO2 sorption and a cycler file
    with an over-sodiation per sample), adds the three records to the demo, and writes
    the comparison figures, ``structure_performance``, ``correlations.csv``, the campaign
    table ``campaign_table.{csv,xlsx,tex,md}`` (one row per sample, grouped structure /
    porosity / electrochemistry) and ``campaign_vs_truth.csv`` (every recovered value
    beside the generator's truth, ``campaign/truth.json``).
    """
    import json

    from charz.manifest import analyse_manifest
    from charz.tables import write_tables

    manifest = ctx.example("campaign/manifest.csv")
    with warnings.catch_warnings():
        # said once per file by the techniques' own demo parts; here they would repeat
        warnings.simplefilter("ignore")
        records, results, batch = analyse_manifest(manifest)
    if batch.failed:
        from charz.errors import CharzError

        raise CharzError(f"campaign: {batch.summary()}")
    for rec in records:
        ctx.add_record(rec)
    ctx.files.extend(comparison_figures(results, records, ctx.out))
    ctx.files.extend(write_tables(records, ctx.out, stem="campaign_table"))
    truth = json.loads((manifest.parent / "truth.json").read_text(encoding="utf-8"))
    lines = ["sample,key,charz,truth"]
    for rec in records:
        t = truth.get("samples", {}).get(rec.sample, {})
        flat = {k: v for block in t.values() if isinstance(block, dict)
                for k, v in block.items() if isinstance(v, (int, float))}
        for key, m in rec.descriptors.items():
            want = flat.get(key)
            lines.append(f"{rec.sample},{key},{m.value:.6g},"
                         f"{'' if want is None else format(want, '.6g')}")
    ctx.write_text("campaign_vs_truth.csv", "\n".join(lines) + "\n")
