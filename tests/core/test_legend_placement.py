"""Legends drawn where they cover no data (charz.plotting.legend_clear_of_data).

The truth is geometric: every plotted line is sampled densely along its segments in data
coordinates, mapped to pixels by the axes' own transform, and no sample may fall inside
the legend's window extent (Agg renderer).
"""

from __future__ import annotations

import itertools
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from charz.examples import path
from charz.plotting import legend_clear_of_data, use_style


def _covered(ax, legend, lines_of=None) -> int:
    """Dense samples of every line inside the legend box (pixels, on the axes only)."""
    fig = ax.figure
    fig.draw_without_rendering()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    count = 0
    for line in (lines_of or ax).get_lines():
        px = line.axes.transData.transform(np.asarray(line.get_xydata(), float))
        px = px[np.isfinite(px).all(axis=1)]
        if len(px) > 1 and line.get_linestyle() not in ("None", ""):
            # segments are straight on screen (also on a log axis): sample them there
            t = np.linspace(0, 1, 400)[:, None]
            px = np.vstack([a + t * (b - a) for a, b in itertools.pairwise(px)])
        on_axes = ((px[:, 0] >= ax.bbox.x0) & (px[:, 0] <= ax.bbox.x1)
                   & (px[:, 1] >= ax.bbox.y0) & (px[:, 1] <= ax.bbox.y1))
        px = px[on_axes]
        count += int(np.count_nonzero((px[:, 0] >= box.x0) & (px[:, 0] <= box.x1)
                                      & (px[:, 1] >= box.y0) & (px[:, 1] <= box.y1)))
    return count


def test_legend_avoids_lines_that_fill_the_usual_corners():
    # decaying lines from the upper left to the lower right (a DR or BJH-like panel) plus
    # one along the top right: only the lower-left corner is free
    fig, ax = plt.subplots(figsize=(3.5, 2.8), layout="constrained")
    x = np.linspace(0, 20, 25)
    for k, a in enumerate((-1.0, -1.3, -1.6)):
        ax.plot(x, a - 0.17 * x, "o-", ms=2.5, label=f"sample {k}: W0 = 0.0{k} cm3/g")
    ax.plot([10, 20], [-1.0, -1.0], "-", label="ceiling")
    legend = legend_clear_of_data(ax, headroom=(), title="Dubinin–Radushkevich")
    assert legend.get_texts()[0].get_text().startswith("sample 0")
    assert _covered(ax, legend) == 0
    # the fixed corner the figure used before covers data
    assert _covered(ax, ax.legend(loc="upper right")) > 0
    plt.close(fig)


def test_legend_goes_outside_when_the_axes_are_full():
    fig, ax = plt.subplots(figsize=(3.5, 2.8), layout="constrained")
    rng = np.random.default_rng(0)
    for k in range(4):
        ax.plot(np.linspace(0, 1, 400), rng.random(400), "-", lw=0.5, label=f"noise {k}")
    legend = legend_clear_of_data(ax, headroom=())
    fig.draw_without_rendering()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 >= ax.bbox.x1  # beside the axes, not on the data
    assert _covered(ax, legend) == 0
    plt.close(fig)


def test_headroom_frees_an_upper_corner():
    # a peak in the middle and a baseline across the bottom: no corner of the original
    # range is free, raising the top of the y range frees one
    fig, ax = plt.subplots(figsize=(3.5, 2.8), layout="constrained")
    x = np.linspace(0, 1, 200)
    ax.plot(x, np.exp(-((x - 0.5) / 0.08) ** 2) + 0.02, label="a wide legend entry, 1")
    ax.plot(x, 0.9 - 0.85 * x ** 0.2, label="a wide legend entry, 2")
    ax.plot(x, 0.05 + 0.85 * x ** 6, label="a wide legend entry, 3")
    top = ax.get_ylim()[1]
    legend = legend_clear_of_data(ax)
    fig.draw_without_rendering()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert _covered(ax, legend) == 0
    assert box.x1 <= ax.bbox.x1 + 1  # inside the axes
    assert ax.get_ylim()[1] > top
    plt.close(fig)


@pytest.fixture(scope="module")
def sorption_results(tmp_path_factory):
    from charz.manifest import analyse_manifest

    campaign = path("campaign/manifest.csv").parent
    rows = pd.read_csv(campaign / "manifest.csv", keep_default_na=False)
    rows = rows[rows["technique"] == "sorption"].copy()
    rows["file"] = [str(campaign / f) for f in rows["file"]]
    manifest = tmp_path_factory.mktemp("sorption") / "manifest.csv"
    rows.to_csv(manifest, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # flags are tested elsewhere
        _records, results, batch = analyse_manifest(manifest)
    assert not batch.failed
    return results


@pytest.mark.parametrize("styled", [True, False], ids=["paper-style", "default-rc"])
def test_compare_sorption_legends_cover_no_data(sorption_results, styled):
    from charz.compare import compare_sorption

    if styled:
        with use_style():
            fig = compare_sorption(sorption_results)
    else:  # as the gallery example calls it
        fig = compare_sorption(sorption_results)
    axes = fig.axes
    assert len(axes) == 4
    for ax, letter in zip(axes, "abcd", strict=True):
        legend = ax.get_legend()
        assert legend is not None, letter
        assert len(legend.get_texts()) == 3, letter  # one entry per sample
        assert _covered(ax, legend) == 0, letter
    plt.close(fig)


def test_legend_avoids_the_lines_of_a_twin_axis():
    # a BJH-like panel: dV/dlogD rising at both ends on the left axis, a cumulative volume
    # falling from the upper left on a twin axis; the old fixed 'best' legend of the left
    # axis alone sat on the twin's curve
    fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
    d = np.geomspace(1.7, 35, 40)
    ax.semilogx(d, 0.1 + 0.4 * (1.7 / d) ** 2 + 0.8 * (d / 35) ** 4, "o-", ms=3, label="PSD")
    twin = ax.twinx()
    twin.semilogx(d, 0.4 - 0.1 * np.log(d / 1.7), "-", color="C1", label="cumulative")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    assert _covered(ax, ax.legend(handles=handles, loc="upper left"), twin) > 0
    legend = legend_clear_of_data(ax, handles=handles)
    assert _covered(ax, legend) == 0
    assert _covered(ax, legend, twin) == 0
    assert len(legend.get_texts()) == 2
    plt.close(fig)
