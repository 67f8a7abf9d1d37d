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
    # the example file was generated without L·P·f² factors ("raw intensities" truth), so
    # the jis preset over-corrects it; the simulated block below carries the factors
    lines = ["HC-demo.xye (generated without L·P·f²),default,jis,truth"]
    for key in ("d002", "lc", "la", "n_layers", "two_theta_002", "fwhm_002"):
        a, b = result.descriptors()[key], jis.descriptors()[key]
        lines.append(f"{key},{a.value:.5g},{b.value:.5g},{truth.get(key, '')}")
    # the same structure with the JIS factors present in the data (as in a real pattern):
    # raw-intensity fits then shift the broad (002) by ≈ −0.85°, the jis preset does not
    from xrd.synthetic import simulate_pattern

    sim = simulate_pattern(d002=0.3783, lc=1.337, la=3.5, lp_f2=True, seed=0)
    a = fit_pattern(sim, warn=False)
    b = fit_pattern(sim, convention="jis", warn=False)
    lines.append("")
    lines.append("simulated with L·P·f² (d002 0.3783 nm, Lc 1.337 nm at K 0.89),default,jis,"
                 "truth")
    for key, true in (("d002", 0.3783), ("two_theta_002", sim.attrs["truth_two_theta_002"]),
                      ("lc", 1.337)):
        lines.append(f"{key},{a.descriptors()[key].value:.5g},{b.descriptors()[key].value:.5g},"
                     f"{true:.5g}{' (K 0.89; jis uses K 1.0)' if key == 'lc' else ''}")
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
    ctx.files.append(res.to_netcdf(ctx.out / "insitu_xrd.nc"))
    ctx.save_figure(res.plot().figure, "insitu_xrd_d002")
    if cycler is not None:
        ctx.save_figure(res.plot_vs_voltage().figure, "insitu_xrd_d002_voltage")
    ctx.save_figure(res.waterfall(every=2).figure, "insitu_xrd_waterfall")
