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
    # one tidy table: a row per (data, quantity), the two conventions side by side.
    # The example file was generated without L·P·f² factors ("raw intensities" truth), so
    # the jis preset over-corrects it; the simulated pattern below carries the factors, as
    # a real pattern does: raw-intensity fits then shift the broad (002) by ≈ −0.85°, the
    # jis preset does not.
    from xrd.synthetic import simulate_pattern

    sim = simulate_pattern(d002=0.3783, lc=1.337, la=3.5, lp_f2=True, seed=0)
    a = fit_pattern(sim, warn=False)
    b = fit_pattern(sim, convention="jis", warn=False)
    rows = []
    for key in ("d002", "lc", "la", "n_layers", "two_theta_002", "fwhm_002"):
        d, j = result.descriptors()[key], jis.descriptors()[key]
        rows.append(("HC-demo.xye", key, d.unit, d.value, j.value, truth.get(key)))
    for key, true in (("d002", 0.3783), ("two_theta_002", sim.attrs["truth_two_theta_002"]),
                      ("lc", 1.337)):
        d, j = a.descriptors()[key], b.descriptors()[key]
        rows.append(("simulated_lp_f2", key, d.unit, d.value, j.value, true))
    columns = ("data", "quantity", "unit", "default", "jis", "truth")
    ctx.write_csv("xrd_conventions.csv",
                  {c: [r[i] for r in rows] for i, c in enumerate(columns)},
                  float_format="%.6g", metadata={
                      "data": {
                          "HC-demo.xye": "the example pattern, generated without L·P·f² "
                                         "factors (raw-intensity truth)",
                          "simulated_lp_f2": "xrd.synthetic.simulate_pattern(d002=0.3783, "
                                             "lc=1.337, la=3.5, lp_f2=True, seed=0): the "
                                             "factors present, as in a real pattern"},
                      "conventions": {"default": "raw intensities, Scherrer K 0.89 on (002)",
                                      "jis": "JIS R 7651 L·P·f² corrections, K 1.0 on (002)"},
                      "truth": "generator values; Lc truth at K 0.89 (jis uses K 1.0)"})

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
