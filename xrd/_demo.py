"""``charz demo`` part of xrd: fit the example pattern and the operando (002) series."""

from __future__ import annotations

from typing import Any


def run(ctx: Any) -> None:
    """Fit ``xrd/HC-demo.xye`` (default and JIS conventions) and the operando frames."""
    import charz
    from xrd.insitu import fit_002_series, read_series
    from xrd.peaks import fit_pattern

    pattern = charz.read(ctx.example("xrd/HC-demo.xye"), technique="xrd")
    result = fit_pattern(pattern)
    ctx.add(result)
    ctx.save_figure(result.plot().figure, "xrd_fit")
    jis = fit_pattern(pattern, convention="jis", warn=False)
    truth = ctx.truth.get("xrd", {})
    lines = ["quantity,default,jis,truth"]
    for key in ("d002", "lc", "la", "n_layers", "two_theta_002", "fwhm_002"):
        a, b = result.descriptors()[key], jis.descriptors()[key]
        lines.append(f"{key},{a.value:.5g},{b.value:.5g},{truth.get(key, '')}")
    ctx.write_text("xrd_conventions.csv", "\n".join(lines) + "\n")

    folder = ctx.example("insitu_xrd")
    series = read_series(folder)
    cycler = None
    try:
        cycler = charz.read(ctx.example("echem/HC-demo_cycler.csv"), technique="echem")
    except charz.CharzError as exc:  # echem reader not available: fit without voltage
        ctx.notes.append(f"xrd in-situ without voltage ({exc})")
    res = fit_002_series(series, cell_peaks="fit", cycler=cycler)
    path = ctx.out / "insitu_xrd_frames.csv"
    res.to_csv(path)
    ctx.files.append(path)
    ctx.save_figure(res.plot().figure, "insitu_xrd_d002")
    if cycler is not None:
        ctx.save_figure(res.plot_vs_voltage().figure, "insitu_xrd_d002_voltage")
    ctx.save_figure(res.waterfall(every=2).figure, "insitu_xrd_waterfall")
