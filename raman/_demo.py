"""``charz demo`` part of raman: the example spectrum and the operando G-band tracking."""

from __future__ import annotations

import warnings
from typing import Any


def run(ctx: Any) -> None:
    """Fit ``raman/HC-demo.txt`` (two_band, La by the three relations), map I_D/I_G and
    the G position of ``raman/HC-demo_map.txt``, and track the G band of
    ``insitu_raman/HC-demo_operando.txt`` against time and voltage."""
    import charz
    from raman.bands import fit_bands, la_from_ratio
    from raman.insitu import read_series, track_bands

    truth = ctx.truth.get("raman", {})
    spectrum = charz.read(ctx.example("raman/HC-demo.txt"), technique="raman")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_bands(spectrum)
    for w in caught:
        ctx.notes.append(f"raman: {w.message}")
    ctx.add(result)
    ctx.save_figure(result.plot().figure, "raman_fit")

    m = result.maps
    rows = []
    for key in ("id_ig", "ad_ag", "g_position", "d_position", "d_fwhm", "g_fwhm"):
        rows.append((key, m[key].attrs.get("units", ""), float(m[key]),
                     float(m[key + "_stderr"]), truth.get(key)))
    laser = float(spectrum.attrs.get("laser_wavelength", 532.0))
    for rel, ratio in (("cancado", "ad_ag"), ("tuinstra_koenig", "id_ig"),
                       ("ferrari", "id_ig")):
        la = la_from_ratio(float(m[ratio]), laser=laser, relation=rel, warn=False)
        rows.append((f"la_raman_{rel}", "nm", float(la), None, None))
    ctx.write_csv("raman_fit_vs_truth.csv",
                  {name: [r[i] for r in rows] for i, name in enumerate(
                      ("quantity", "unit", "fitted", "stderr", "truth"))},
                  float_format="%.6g",
                  metadata={"source": result.source.to_dict(), "laser (nm)": laser,
                            "la_raman_<relation>": "La from the ratio in brackets: cancado "
                            "from ad_ag, tuinstra_koenig and ferrari from id_ig"})

    # a small map (long-form WiRE text): I_D/I_G rises along x, the G apex moves along y
    map_truth = truth.get("map")
    if map_truth:
        import matplotlib.pyplot as plt

        raman_map = charz.read(ctx.example(map_truth["file"]), technique="raman", laser=532.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mres = fit_bands(raman_map, la_relation="tuinstra_koenig")
        for w in caught:
            ctx.notes.append(f"raman map: {w.message}")
        fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), layout="constrained")
        mres.plot_map("id_ig", ax=axes[0], cmap="viridis")
        mres.plot_map("g_position", ax=axes[1], cmap="magma")
        ctx.save_figure(fig, "raman_map")
        from charz.output import unit_columns

        keys = ["id_ig", "id_ig_stderr", "g_position", "g_position_stderr", "d_fwhm",
                "g_fwhm", "success"]
        ctx.write_csv("raman_map_spectra.csv", unit_columns(mres.maps, keys), index=True,
                      float_format="%.6g", metadata={"source": mres.source.to_dict()})

    # operando: G position (BWF apex) and I_D/I_G per spectrum, voltage attached
    insitu = ctx.truth.get("insitu", {})
    tz = insitu.get("raman_time_zone")
    series = read_series(ctx.example(insitu.get("raman_file",
                                                "insitu_raman/HC-demo_operando.txt")), tz=tz)
    cycler = None
    try:
        cycler = charz.read(ctx.example("echem/HC-demo_cycler.csv"), technique="echem")
    except charz.CharzError as exc:
        try:
            from charz.examples import load_cycler

            cycler = load_cycler()
        except Exception:
            ctx.notes.append(f"raman in-situ without voltage ({exc})")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = track_bands(series, cycler=cycler, la_relation="tuinstra_koenig")
    for w in caught:
        ctx.notes.append(f"raman in-situ: {w.message}")
    path = res.to_csv(ctx.out / "insitu_raman_bands.csv")
    ctx.files.extend([path, res.to_netcdf(ctx.out / "insitu_raman.nc")])
    ctx.save_figure(res.plot().figure, "insitu_raman_g_time")
    if "voltage" in res.table.coords:
        ctx.save_figure(res.plot_vs_voltage().figure, "insitu_raman_g_voltage")
