"""He true density and closed-pore volume.

He pycnometry measures the skeletal density: mass over the volume of solid plus closed
(and blind) pores, because helium enters every open pore (ASTM D3766 wording). With a
skeleton (wall) density ρ_s of the carbon itself,

    closed_pore_volume = V_cp = 1/ρ_He − 1/ρ_s   (cm³/g),
    closed porosity ε_c = 1 − ρ_He/ρ_s = V_cp · ρ_He.

ρ_s default 2.26 g/cm³ (graphite; X-ray 2.266), the most common choice in hard-carbon
papers; alternatives: 2.0–2.2 for turbostratic carbon, or ρ_s ≈ 2.26·(0.3354 nm / d002)
(same in-plane density, expanded layers). ∂V_cp/∂ρ_s = 1/ρ_s²: 2.0 instead of 2.26
changes V_cp of a ρ_He = 1.5 sample by about a third, so ρ_s is always reported in the
method. ρ_He > ρ_s gives a negative V_cp, flagged with a PhysicsWarning (He adsorbed or
trapped in ultramicropores biases ρ_He up). FIELD-NOTES §3.1.

Pycnometer reports (AccuPyc-style CSV or text summary) are read by
:func:`read_pycnometer`: ``key,value`` header lines (sample mass, gas, temperature), a
per-cycle table (cycle, volume, density) and summary lines (average density, standard
deviation). The reported true density is the file's average (or the mean of the last
``last_cycles`` cycles when asked). Its uncertainty is the standard error of that mean,
SD/√n over the n cycles averaged, whenever n is known from the file (a cycle table whose
mean is the file's average, or a ``Number of cycles`` line). A summary that gives only an
average and a standard deviation leaves n unknown: the standard deviation across cycles is
then kept as ``density_sd``, ``density_stderr`` is None, and :func:`closed_pore_volume`
quotes the SD and says so in the method.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from charz.display import DescriptorsHTMLMixin
from charz.errors import CharzError, CorruptFileError, OptionError, PhysicsWarning
from charz.io import decode_text
from charz.record import Measurement, Provenance

__all__ = [
    "DEFAULT_SKELETON_DENSITY",
    "ClosedPoreResult",
    "PycnometerReport",
    "closed_pore_volume",
    "read_pycnometer",
    "skeleton_density_from_d002",
]

#: graphite, g/cm³ (FIELD-NOTES §3.1)
DEFAULT_SKELETON_DENSITY = 2.26


def skeleton_density_from_d002(d002: float) -> float:
    """Skeleton density ρ_s = 2.26 g/cm³ · 0.3354 nm / d002 (g/cm³).

    Assumes graphite's in-plane atom density with the layers expanded to the measured
    interlayer spacing d002 (nm, from XRD); an alternative to the fixed 2.26 default.
    """
    if not 0.3 < d002 < 0.5:
        raise OptionError(f"d002 must be in nm (0.3–0.5 for carbons), got {d002}")
    return DEFAULT_SKELETON_DENSITY * 0.3354 / d002


@dataclass(frozen=True, slots=True, eq=False)
class PycnometerReport:
    """A He pycnometer summary.

    Attributes
    ----------
    density : float
        True density in g/cm³ (the file's average, or the mean of the cycles used).
    density_stderr : float or None
        Standard error of ``density``: ``density_sd / sqrt(n_cycles_used)``; None when the
        number of cycles averaged is not known from the file (or is 1).
    density_sd : float or None
        Standard deviation of the density across the cycles used (g/cm³, ddof = 1): from the
        cycle table when the cycles are known, else the file's standard-deviation line.
    n_cycles_used : int or None
        Number of cycles averaged into ``density``; None when the file does not tell.
    method : str
        How ``density`` and its uncertainty were obtained.
    cycle_density : ndarray
        Per-cycle densities (g/cm³), empty when the file has none.
    cycle_volume : ndarray
        Per-cycle volumes (cm³).
    sample_mass_g : float or None
    gas : str or None
    temperature_c : float or None
    metadata : dict
        Every ``key,value`` line of the header.
    source : Provenance
    """

    density: float
    density_stderr: float | None
    density_sd: float | None
    n_cycles_used: int | None
    method: str
    cycle_density: np.ndarray = field(repr=False)
    cycle_volume: np.ndarray = field(repr=False)
    sample_mass_g: float | None
    gas: str | None
    temperature_c: float | None
    metadata: dict[str, str] = field(repr=False)
    source: Provenance = field(repr=False)


def _num(text: str) -> float | None:
    m = re.search(r"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?", text)
    return float(m.group(0).replace(",", ".")) if m else None


def read_pycnometer(path: str | Path, *, last_cycles: int | None = None) -> PycnometerReport:
    """Read a He pycnometer report (CSV or plain-text summary).

    Parameters
    ----------
    path : str or Path
        ``key,value`` (or ``key: value`` / tab) header lines, an optional table with a
        header row naming ``density`` (and ``volume``, ``cycle``) columns, and summary
        lines such as ``Average density (g/cm3),1.5200``.
    last_cycles : int, optional
        Use the mean of the last n cycles (± their standard error) instead of the file's
        average (common practice: the last 3–5 cycles).

    Raises
    ------
    CorruptFileError
        No density in the file.
    CharzError
        A density unit other than g/cm³ (kg/m³ is converted).
    """
    path = Path(path)
    text = decode_text(path.read_bytes(), name=path.name)
    meta: dict[str, str] = {}
    rows: list[list[float]] = []
    cols: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip().lstrip("#").strip()
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"\s*[,;\t]\s*|:\s+", line) if p.strip() != ""]
        if not parts:
            continue
        if cols is not None:
            try:
                vals = [float(p.replace(",", ".")) for p in parts]
            except ValueError:
                vals = None
            if vals is not None and len(vals) == len(cols):
                rows.append(vals)
                continue
        lowered = [p.lower() for p in parts]
        if len(parts) >= 3 and any("density" in p for p in lowered) and all(
                _num(p) is None or "(" in p for p in parts):
            cols = lowered
            continue
        if len(parts) >= 2:
            meta[parts[0]] = parts[1]
    factor = 1.0

    def unit_factor(label: str) -> float:
        lab = label.lower().replace(" ", "")
        if "kg/m" in lab:
            return 1e-3
        if "g/cm" in lab or "g/ml" in lab or "g·cm" in lab or "(" not in lab:
            return 1.0
        raise CharzError(f"{path.name}: density unit in {label!r} is not g/cm3 or kg/m3")

    cyc_d = np.array([])
    cyc_v = np.array([])
    if cols is not None and rows:
        arr = np.array(rows)
        di = next(i for i, c in enumerate(cols) if "density" in c)
        factor = unit_factor(cols[di])
        cyc_d = arr[:, di] * factor
        vi = next((i for i, c in enumerate(cols) if "volume" in c), None)
        if vi is not None:
            cyc_v = arr[:, vi]
    avg_key = next((k for k in meta if "density" in k.lower()
                    and any(w in k.lower() for w in ("average", "mean", "skeletal", "true"))
                    and "dev" not in k.lower()), None)
    sd_key = next((k for k in meta if ("deviation" in k.lower() or k.lower().startswith("sd")
                                       or "std" in k.lower())
                   and "volume" not in k.lower()), None)
    n_line = next((k for k in meta if "cycle" in k.lower()
                   and any(w in k.lower() for w in ("number", "used", "averaged", "runs"))),
                  None)
    n_stated = _num(meta[n_line]) if n_line is not None else None
    n: int | None = None
    if last_cycles is not None:
        if cyc_d.size < last_cycles or last_cycles < 1:
            raise OptionError(f"{path.name}: last_cycles={last_cycles} but the file has "
                             f"{cyc_d.size} cycle densities")
        sel = cyc_d[-last_cycles:]
        density, n = float(sel.mean()), last_cycles
        sd = float(sel.std(ddof=1)) if n > 1 else None
        how = f"mean of the last {n} of {cyc_d.size} cycles"
    elif avg_key is not None:
        density = _num(meta[avg_key]) * unit_factor(avg_key)
        file_sd = _num(meta[sd_key]) * unit_factor(sd_key) if sd_key else None
        how = f"file's {avg_key!r}"
        # the cycles behind the file's average: the whole table when its mean rounds to the
        # printed average (half a unit of its last printed digit, plus float slack)
        digits = re.search(r"[.,](\d+)", meta[avg_key])
        tol = 0.5 * 10.0 ** -(len(digits.group(1)) if digits else 0) * unit_factor(avg_key)
        if cyc_d.size > 1 and abs(cyc_d.mean() - density) <= tol * (1 + 1e-9):
            n = int(cyc_d.size)
            sd = float(cyc_d.std(ddof=1))
            how += f", the mean of all {n} cycles of the table"
        else:
            sd = file_sd
            if n_stated is not None and n_stated >= 1 and float(n_stated).is_integer():
                n = int(n_stated)
                how += f", {n} cycles ({n_line!r})"
    elif cyc_d.size:
        density, n = float(cyc_d.mean()), int(cyc_d.size)
        sd = float(cyc_d.std(ddof=1)) if n > 1 else None
        how = f"mean of all {n} cycles"
    else:
        raise CorruptFileError(f"{path.name}: no density found (expected an 'Average density' "
                               "line or a table with a density column)")
    if sd is not None and n is not None and n > 1:
        stderr: float | None = sd / np.sqrt(n)
        how += f" ± standard error SD/√{n} (SD {sd:.2g} g/cm3 across cycles)"
    else:
        stderr = None
        if sd is not None:
            how += (f"; {sd_key!r} {sd:.2g} g/cm3 is the standard deviation across cycles, "
                    "the number of cycles is not in the file, so no standard error")
    if not 0.1 < density < 25:
        raise CorruptFileError(f"{path.name}: density {density} g/cm3 is not plausible")

    def find(*words: str) -> str | None:
        for k, v in meta.items():
            if all(w in k.lower() for w in words):
                return v
        return None

    mass = find("mass")
    temp = find("temperature")
    gas = find("gas")
    temp_c = _num(temp) if temp is not None else None
    if temp_c is not None and temp is not None and ("(k)" in (temp.lower()) or any(
            "temperature" in k.lower() and "(k)" in k.lower() for k in meta)):
        temp_c -= 273.15
    prov = Provenance.from_file(path, reader=f"{__name__}.read_pycnometer",
                                parameters={"last_cycles": last_cycles})
    return PycnometerReport(density, stderr, sd, n, how, cyc_d, cyc_v, _num(mass) if mass else None,
                            gas, temp_c, meta, prov)


@dataclass(frozen=True, slots=True, eq=False)
class ClosedPoreResult(DescriptorsHTMLMixin):
    """True density and the closed-pore volume that follows from it.

    Attributes
    ----------
    true_density : Measurement
        ``true_density`` (g/cm³, technique "pycnometry").
    closed_pore_volume : Measurement
        ``closed_pore_volume`` = 1/ρ_He − 1/ρ_s (cm³/g, technique "pycnometry").
    closed_porosity : float
        ε_c = 1 − ρ_He/ρ_s.
    skeleton_density : float
        ρ_s used (g/cm³).
    """

    true_density: Measurement
    closed_pore_volume: Measurement
    closed_porosity: float
    skeleton_density: float

    def descriptors(self) -> dict[str, Measurement]:
        """``true_density`` and ``closed_pore_volume``."""
        return {"true_density": self.true_density,
                "closed_pore_volume": self.closed_pore_volume}


def closed_pore_volume(
    true_density: float | PycnometerReport | str | Path,
    *,
    skeleton_density: float = DEFAULT_SKELETON_DENSITY,
    true_density_stderr: float | None = None,
    last_cycles: int | None = None,
) -> ClosedPoreResult:
    """Closed-pore volume from the He true density: V_cp = 1/ρ_He − 1/ρ_s.

    Parameters
    ----------
    true_density : float, PycnometerReport or path
        ρ_He in g/cm³, a report from :func:`read_pycnometer`, or the report file.
    skeleton_density : float
        ρ_s in g/cm³ (default 2.26, graphite). Alternatives: 2.0–2.2 (turbostratic
        carbon) or 2.26·0.3354/d002.
    true_density_stderr : float, optional
        Standard error of ρ_He (g/cm³) when given as a number. From a report, the
        standard error of the mean over its cycles is used; when the report cannot tell
        how many cycles were averaged, its standard deviation is quoted instead and the
        method says so.
    last_cycles : int, optional
        For a report file: mean of the last n cycles.

    Returns
    -------
    ClosedPoreResult

    Warns
    -----
    PhysicsWarning
        ρ_He ≥ ρ_s (negative or zero V_cp), or ρ_He outside 1.2–2.3 g/cm³.

    References
    ----------
    ASTM D3766; FIELD-NOTES §3.1.
    """
    if isinstance(true_density, (str, Path)):
        true_density = read_pycnometer(true_density, last_cycles=last_cycles)
    if isinstance(true_density, PycnometerReport):
        rep = true_density
        rho, err, prov = rep.density, rep.density_stderr, rep.source
        how = (f"He pycnometry ({rep.gas or 'gas not stated'}), {rep.method}"
               + (f", sample mass {rep.sample_mass_g:g} g" if rep.sample_mass_g else ""))
        extra: dict[str, Any] = {"n_cycles": int(rep.cycle_density.size),
                                 "n_cycles_used": rep.n_cycles_used,
                                 "density_sd": rep.density_sd}
        if err is None and rep.density_sd is not None:
            # n unknown: the only spread the file gives is the SD across cycles; quote it
            # as what it is (an upper bound on the standard error of the mean)
            err = rep.density_sd
            how += "; the ± quoted is that standard deviation, not a standard error"
            extra["uncertainty"] = "standard deviation across cycles (n not in the file)"
        elif err is not None:
            extra["uncertainty"] = f"standard error of the mean of {rep.n_cycles_used} cycles"
    else:
        rho, err = float(true_density), true_density_stderr
        prov = Provenance(source="", reader="user", parameters={"true_density": rho})
        how = "He true density as given"
        extra = {}
    if not np.isfinite(rho) or rho <= 0:
        raise OptionError(f"true density must be > 0 g/cm3, got {rho}")
    if not np.isfinite(skeleton_density) or skeleton_density <= 0:
        raise OptionError(f"skeleton density must be > 0 g/cm3, got {skeleton_density}")
    if not 1.2 <= rho <= 2.3:
        warnings.warn(f"true density {rho:g} g/cm3 is outside the usual 1.2–2.3 g/cm3 of "
                      "hard carbons", PhysicsWarning, stacklevel=2)
    vcp = 1.0 / rho - 1.0 / skeleton_density
    if vcp <= 0:
        warnings.warn(
            f"He density {rho:g} g/cm3 ≥ skeleton density {skeleton_density:g} g/cm3 gives a "
            f"closed-pore volume {vcp:.4g} cm3/g ≤ 0 (He trapped or adsorbed, or ρ_s too low)",
            PhysicsWarning, stacklevel=2)
    vcp_err = None if err is None else err / rho**2
    prov = prov.with_parameters(skeleton_density=skeleton_density)
    td = Measurement(rho, err, "g/cm^3", "pycnometry", how, prov, extra)
    cp = Measurement(vcp, vcp_err, "cm^3/g", "pycnometry",
                     f"V_cp = 1/ρ_He − 1/ρ_s, ρ_He = {rho:.4g} g/cm3 ({how}), skeleton density "
                     f"ρ_s = {skeleton_density:g} g/cm3", prov,
                     {"skeleton_density": skeleton_density,
                      "closed_porosity": 1.0 - rho / skeleton_density})
    return ClosedPoreResult(td, cp, 1.0 - rho / skeleton_density, float(skeleton_density))
