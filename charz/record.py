"""The structural descriptor record: one sample, every technique, every number with provenance.

The descriptor keys, their units and meaning are one table in code, :data:`DESCRIPTORS`,
mirroring ``ARCHITECTURE.md`` (as sasmodels declares each model parameter in one row).
Every key lives there, the ones a technique adds beyond the contract included (a new key
is a new row in this table, documented in the README); nothing registers keys at import.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from charz._format import format_uncertainty
from charz.errors import ConflictWarning, RecordError
from charz.flags import combine
from charz.hashing import file_sha256

__all__ = [
    "DESCRIPTORS",
    "HasDescriptors",
    "KeySpec",
    "Measurement",
    "Provenance",
    "StructuralRecord",
    "merge_records",
    "read_records",
    "records_from_json",
    "records_to_json",
]


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One row of the descriptor table.

    Parameters
    ----------
    unit : str
        Unit spelled so that pint parses it (``nm``, ``m^2/g``, ``1`` for a pure number).
    technique : str
        Technique that fills the key (``xrd``, ``raman``, ``saxs``, ``sorption``, ``echem``,
        ``pycnometry``).
    meaning : str
        One line: what the number is and how it is computed by default.
    label_tex : str
        Column label for LaTeX tables, unit included, e.g. ``d$_{002}$ (nm)``.
    label_text : str
        Column label for CSV/Markdown/XLSX (plain Unicode), e.g. ``d002 (nm)``.
    """

    unit: str
    technique: str
    meaning: str
    label_tex: str
    label_text: str


def _k(unit: str, technique: str, meaning: str, tex: str, text: str) -> KeySpec:
    return KeySpec(unit, technique, meaning, tex, text)


#: Every descriptor key, in the column order of hard-carbon structural tables: the
#: contract's keys (ARCHITECTURE.md) and the keys techniques add (marked "added keys").
DESCRIPTORS: Mapping[str, KeySpec] = MappingProxyType({
    # XRD
    "d002": _k("nm", "xrd", "interlayer spacing, Bragg on the fitted (002) position",
               "d$_{002}$ (nm)", "d002 (nm)"),
    "lc": _k("nm", "xrd", "stacking height, Scherrer on (002): 0.89 λ/(β cos θ), β = FWHM",
             "L$_c$ (nm)", "Lc (nm)"),
    "la": _k("nm", "xrd", "lateral size, Scherrer on (100)/(10): 1.84 λ/(β cos θ)",
             "L$_a$ (nm)", "La (nm)"),
    "n_layers": _k("1", "xrd", "layers per stack, N = Lc/d002 + 1", "N", "N"),
    "two_theta_002": _k("deg", "xrd", "fitted (002) position", "2$\\theta_{002}$ (°)",
                        "2θ002 (°)"),
    "fwhm_002": _k("deg", "xrd", "instrument-corrected (002) FWHM", "FWHM$_{002}$ (°)",
                   "FWHM002 (°)"),
    "two_theta_100": _k("deg", "xrd", "fitted (100)/(10) position", "2$\\theta_{100}$ (°)",
                        "2θ100 (°)"),
    "fwhm_100": _k("deg", "xrd", "instrument-corrected (100)/(10) FWHM", "FWHM$_{100}$ (°)",
                   "FWHM100 (°)"),
    # XRD, added keys
    "d002_ordered": _k("nm", "xrd", "d of the ordered (smaller-d) (002) component",
                       "d$_{002}^{\\mathrm{ord}}$ (nm)", "d002 ordered (nm)"),
    "d002_dilated": _k("nm", "xrd", "d of the dilated (larger-d) (002) component",
                       "d$_{002}^{\\mathrm{dil}}$ (nm)", "d002 dilated (nm)"),
    "fraction_002_ordered": _k("1", "xrd",
                               "area fraction of the ordered (narrower-d) (002) component",
                               "f$_{002}^{\\mathrm{ord}}$", "f002 ordered"),
    "dahn_r": _k("1", "xrd", "Dahn's R: (002) height over the tangent background under it",
                 "R", "R (Dahn)"),
    # Raman
    "id_ig": _k("1", "raman", "D/G peak-height ratio", "I$_D$/I$_G$", "ID/IG"),
    "ad_ag": _k("1", "raman", "D/G integrated-area ratio", "A$_D$/A$_G$", "AD/AG"),
    "la_raman": _k("nm", "raman", "La from the D/G ratio (relation stated)",
                   "L$_a^{\\mathrm{Raman}}$ (nm)", "La Raman (nm)"),
    "d_position": _k("1/cm", "raman", "D band position", "$\\omega_D$ (cm$^{-1}$)",
                     "ωD (cm⁻¹)"),
    "g_position": _k("1/cm", "raman", "G band position (BWF apex for a BWF G)",
                     "$\\omega_G$ (cm$^{-1}$)", "ωG (cm⁻¹)"),
    "d_fwhm": _k("1/cm", "raman", "D band FWHM", "$\\Gamma_D$ (cm$^{-1}$)", "ΓD (cm⁻¹)"),
    "g_fwhm": _k("1/cm", "raman", "G band FWHM", "$\\Gamma_G$ (cm$^{-1}$)", "ΓG (cm⁻¹)"),
    # true density and SAXS
    "true_density": _k("g/cm^3", "pycnometry", "He true (skeletal) density, as given",
                       "$\\rho_{\\mathrm{He}}$ (g cm$^{-3}$)", "ρHe (g/cm³)"),
    "closed_pore_volume": _k("cm^3/g", "pycnometry",
                             "1/ρ_true − 1/ρ_skeleton (skeleton density stated)",
                             "V$_{\\mathrm{cp}}$ (cm$^3$ g$^{-1}$)", "Vcp (cm³/g)"),
    "saxs_rg": _k("nm", "saxs", "radius of gyration of the pore term (Guinier)",
                  "R$_g$ (nm)", "Rg (nm)"),
    "saxs_pore_diameter": _k("nm", "saxs", "pore diameter from the fitted pore model",
                             "D$_{\\mathrm{SAXS}}$ (nm)", "D SAXS (nm)"),
    "porod_exponent": _k("1", "saxs", "low-q power-law exponent", "P", "Porod exponent"),
    # SAXS, added keys
    "saxs_correlation_length": _k("nm", "saxs",
                                  "DAB correlation length a of the pore term (Porod + DAB fit)",
                                  "a$_{\\mathrm{DAB}}$ (nm)", "a DAB (nm)"),
    "saxs_porosity": _k("1", "saxs",
                        "pore volume fraction from the SAXS invariant (contrast stated)",
                        "$\\phi_{\\mathrm{SAXS}}$", "φ SAXS"),
    "saxs_pore_volume": _k("cm^3/g", "saxs", "SAXS nanopore volume per gram, φ/ρ_He",
                           "V$_{\\mathrm{SAXS}}$ (cm$^3$ g$^{-1}$)", "V SAXS (cm³/g)"),
    "saxs_specific_surface": _k("m^2/g", "saxs", "Porod specific surface per gram",
                                "S$_{\\mathrm{Porod}}$ (m$^2$ g$^{-1}$)", "S Porod (m²/g)"),
    # sorption
    "bet_area": _k("m^2/g", "sorption", "BET area, Rouquerol range (ISO 9277)",
                   "S$_{\\mathrm{BET}}$ (m$^2$ g$^{-1}$)", "SBET (m²/g)"),
    "bet_c": _k("1", "sorption", "BET C constant", "C$_{\\mathrm{BET}}$", "C BET"),
    "total_pore_volume": _k("cm^3/g", "sorption", "liquid volume at p/p0 ≈ 0.99 (point stated)",
                            "V$_{\\mathrm{tot}}$ (cm$^3$ g$^{-1}$)", "Vtot (cm³/g)"),
    "mean_pore_diameter": _k("nm", "sorption", "4V/A", "D$_{4V/A}$ (nm)", "D 4V/A (nm)"),
    "bjh_pore_diameter": _k("nm", "sorption", "BJH (ISO 15901-2) PSD mode, branch stated",
                            "D$_{\\mathrm{BJH}}$ (nm)", "D BJH (nm)"),
    "micropore_volume": _k("cm^3/g", "sorption", "t-plot micropore volume (N2)",
                           "V$_{\\mathrm{micro}}$ (cm$^3$ g$^{-1}$)", "Vmicro (cm³/g)"),
    "dr_micropore_volume": _k("cm^3/g", "sorption", "Dubinin–Radushkevich (CO2, 273 K)",
                              "V$_{\\mathrm{DR}}$ (cm$^3$ g$^{-1}$)", "V DR (cm³/g)"),
    # electrochemistry
    "reversible_capacity": _k("mA*h/g", "echem", "desodiation capacity of the stated cycle",
                              "Q$_{\\mathrm{rev}}$ (mAh g$^{-1}$)", "Qrev (mAh/g)"),
    "slope_capacity": _k("mA*h/g", "echem", "sodiation capacity above the split voltage",
                         "Q$_{\\mathrm{slope}}$ (mAh g$^{-1}$)", "Qslope (mAh/g)"),
    "plateau_capacity": _k("mA*h/g", "echem", "sodiation capacity below the split voltage",
                           "Q$_{\\mathrm{plateau}}$ (mAh g$^{-1}$)", "Qplateau (mAh/g)"),
    "initial_coulombic_efficiency": _k("1", "echem", "first-cycle desodiation/sodiation",
                                       "ICE", "ICE"),
    "plating_onset_capacity": _k("mA*h/g", "echem",
                                 "sodiation capacity at the over-sodiation voltage minimum",
                                 "Q$_{\\mathrm{plating}}$ (mAh g$^{-1}$)", "Qplating (mAh/g)"),
    "rate_response": _k("mA*h/g", "echem", "slope of usable capacity vs C-rate (per 1 C)",
                        "dQ/dC (mAh g$^{-1}$)", "dQ/dC (mAh/g)"),
})

def _spec(key: str) -> KeySpec:
    try:
        return DESCRIPTORS[key]
    except KeyError:
        raise RecordError(
            f"unknown descriptor key {key!r}; known keys: {', '.join(DESCRIPTORS)}"
        ) from None


def _jsonable(value: Any, where: str) -> Any:
    """Check that a parameter value survives a JSON round trip unchanged."""
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise RecordError(f"{where}: non-finite number {value!r} cannot go into JSON")
    try:
        back = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{where}: {value!r} is not JSON-serialisable ({exc})") from None
    return back


def _package_version() -> str:
    from charz import __version__

    return __version__


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a number came from.

    Parameters
    ----------
    source : str
        File name(s) of the input, without directory (several joined by ``"; "``).
    sha256 : str or None
        SHA-256 of the input file's bytes (of the first file if several), or None when the
        input was not a file (an array given in a notebook).
    reader : str
        Reader or function that produced the input data (``"xrd.read_xrdml"``).
    parameters : Mapping
        Every parameter that changes the number (JSON-serialisable).
    version : str
        charz version that computed it.
    """

    source: str = ""
    sha256: str | None = None
    reader: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    version: str = field(default_factory=_package_version)

    def __post_init__(self) -> None:
        params = _jsonable(dict(self.parameters), "provenance parameters")
        object.__setattr__(self, "parameters", params)

    @classmethod
    def from_file(
        cls, path: str | Path, *, reader: str = "", parameters: Mapping[str, Any] | None = None
    ) -> Provenance:
        """Provenance of a number computed from one file (hashes the file)."""
        path = Path(path)
        return cls(path.name, file_sha256(path), reader, dict(parameters or {}))

    @classmethod
    def from_data(cls, data: Any, *, parameters: Mapping[str, Any] | None = None) -> Provenance:
        """Provenance from the ``source``/``sha256``/``reader`` attrs that ``charz.read`` sets."""
        attrs = getattr(data, "attrs", {}) or {}
        return cls(
            str(attrs.get("source", "")),
            attrs.get("sha256"),
            str(attrs.get("reader", "")),
            dict(parameters or {}),
        )

    def with_parameters(self, **parameters: Any) -> Provenance:
        """A copy with more parameters."""
        return Provenance(
            self.source, self.sha256, self.reader, {**self.parameters, **parameters}, self.version
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "file": self.source,
            "sha256": self.sha256,
            "reader": self.reader,
            "parameters": dict(self.parameters),
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data.get("file", ""),
            data.get("sha256"),
            data.get("reader", ""),
            dict(data.get("parameters", {})),
            data.get("version", ""),
        )


@dataclass(frozen=True, slots=True)
class Measurement:
    """One number a user might quote, with its uncertainty, unit and provenance.

    Parameters
    ----------
    value : float
        The value, in ``unit``.
    stderr : float or None
        One standard error, in ``unit``; None when not estimated (lmfit gives None when it
        cannot estimate the covariance).
    unit : str
        Pint-parsable unit; for a record key it must be the contract's unit.
    technique : str
        ``xrd``, ``raman``, ``saxs``, ``sorption``, ``echem`` or ``pycnometry``.
    method : str
        How it was computed, conventions included
        (``"Scherrer on (002), K=0.89, instrument-corrected FWHM"``).
    source : Provenance
        Input file(s), reader, parameters, package version.
    extra : Mapping
        Auxiliary numbers that belong with the value (``{"pearson_r": 0.99}``).
    flags : tuple of str
        Why the number should not be quoted as is (vocabulary: :data:`charz.flags.FLAGS`,
        e.g. ``("at_bound:center",)``); empty for a clean number.

    Examples
    --------
    >>> Measurement(0.378, 0.0003, "nm", "xrd", "Bragg on (002)")
    0.3780(3) nm [xrd]
    >>> Measurement(0.45, None, "nm", "xrd", "Bragg").with_flags("at_bound:center")
    0.4500 nm [xrd, at_bound:center]
    """

    value: float
    stderr: float | None
    unit: str
    technique: str
    method: str
    source: Provenance = field(default_factory=Provenance)
    extra: Mapping[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            value = float(self.value)
        except (TypeError, ValueError):
            raise RecordError(f"measurement value {self.value!r} is not a number") from None
        if not math.isfinite(value):
            raise RecordError(f"measurement value {value!r} ({self.method}) is not finite")
        object.__setattr__(self, "value", value)
        stderr = self.stderr
        if stderr is not None:
            stderr = float(stderr)
            if not math.isfinite(stderr) or stderr < 0:
                stderr = None  # lmfit's "not estimated"
        object.__setattr__(self, "stderr", stderr)
        object.__setattr__(self, "extra", _jsonable(dict(self.extra), "measurement extra"))
        if isinstance(self.flags, str):
            raise RecordError(f"flags must be a tuple of strings, got the string {self.flags!r}")
        object.__setattr__(self, "flags", combine(self.flags))

    def __repr__(self) -> str:
        unit = "" if self.unit == "1" else f" {self.unit}"
        tags = ", ".join((self.technique or "?", *self.flags))
        return f"{format_uncertainty(self.value, self.stderr)}{unit} [{tags}]"

    def _repr_html_(self) -> str:
        from charz.display import descriptors_html

        return descriptors_html({self.technique or "value": self})

    def with_flags(self, *flags: Any) -> Measurement:
        """A copy with ``flags`` added (validated, de-duplicated, order kept).

        Each argument is a flag, an iterable of flags or a Measurement (its flags), so a
        derived value inherits with ``lc.with_flags(d002)``.
        """
        new = combine(self.flags, *flags)
        return self if new == self.flags else replace(self, flags=new)

    def to_dict(self) -> dict[str, Any]:
        """The contract's per-key JSON object."""
        out: dict[str, Any] = {
            "value": self.value,
            "stderr": self.stderr,
            "unit": self.unit,
            "technique": self.technique,
            "method": self.method,
            "source": self.source.source,
            "provenance": self.source.to_dict(),
        }
        if self.extra:
            out["extra"] = dict(self.extra)
        if self.flags:
            out["flags"] = list(self.flags)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict`."""
        try:
            prov = data.get("provenance")
            source = (
                Provenance.from_dict(prov)
                if prov is not None
                else Provenance(source=str(data.get("source", "")), version="")
            )
            return cls(
                data["value"],
                data.get("stderr"),
                data["unit"],
                data.get("technique", ""),
                data.get("method", ""),
                source,
                dict(data.get("extra", {})),
                tuple(data.get("flags", ())),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise RecordError(f"not a measurement object: {data!r} ({exc})") from None


@runtime_checkable
class HasDescriptors(Protocol):
    """Anything with ``descriptors() -> dict[str, Measurement]`` (every analysis result)."""

    def descriptors(self) -> Mapping[str, Measurement]: ...


def _check(key: str, m: Measurement) -> None:
    if not isinstance(m, Measurement):
        raise RecordError(f"descriptor {key!r} must be a Measurement, got {type(m).__name__}")
    spec = _spec(key)
    if m.unit != spec.unit:
        raise RecordError(
            f"descriptor {key!r} must be in {spec.unit!r} (ARCHITECTURE.md), got {m.unit!r}"
        )


@dataclass(frozen=True, slots=True)
class StructuralRecord:
    """All descriptors of one sample.

    Records never lose a value: a second, different value for a key that is already set
    goes into :attr:`conflicts` (with a :class:`~charz.errors.ConflictWarning`), never over
    the first.

    Examples
    --------
    >>> rec = StructuralRecord("HC-1300").with_results(xrd_result, raman_result)  # doctest: +SKIP
    >>> rec.to_json()  # doctest: +SKIP
    """

    sample: str
    descriptors: Mapping[str, Measurement] = field(default_factory=dict)
    conflicts: tuple[tuple[str, Measurement], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.sample, str) or not self.sample.strip():
            raise RecordError(f"sample name must be a non-empty string, got {self.sample!r}")
        descriptors = dict(self.descriptors)
        for key, m in descriptors.items():
            _check(key, m)
        for key, m in self.conflicts:
            _check(key, m)
        # keep the table's order so that JSON and tables read the same way every time
        order = {k: i for i, k in enumerate(DESCRIPTORS)}
        ordered = dict(sorted(descriptors.items(), key=lambda kv: order.get(kv[0], 10**6)))
        object.__setattr__(self, "descriptors", ordered)
        object.__setattr__(self, "conflicts", tuple(self.conflicts))

    # -- building ---------------------------------------------------------------------
    def with_measurements(self, measurements: Mapping[str, Measurement]) -> StructuralRecord:
        """A new record with these measurements added (conflicts kept, see class doc)."""
        descriptors = dict(self.descriptors)
        conflicts = list(self.conflicts)
        for key, m in measurements.items():
            _check(key, m)
            old = descriptors.get(key)
            if old is None:
                descriptors[key] = m
            elif old == m or any(k == key and c == m for k, c in conflicts):
                continue
            else:
                warnings.warn(
                    f"sample {self.sample!r}: second value for {key!r} "
                    f"({m.value:g} {m.unit} from {m.source.source or m.method}) differs from "
                    f"the first ({old.value:g} {old.unit} from {old.source.source or old.method}); "
                    "both are kept (see StructuralRecord.conflicts)",
                    ConflictWarning,
                    stacklevel=3,
                )
                conflicts.append((key, m))
        return StructuralRecord(self.sample, descriptors, tuple(conflicts))

    def with_results(self, *results: HasDescriptors) -> StructuralRecord:
        """A new record with the descriptors of analysis results added."""
        record = self
        for result in results:
            if not isinstance(result, HasDescriptors):
                raise RecordError(
                    f"{type(result).__name__} has no descriptors() method; pass analysis results"
                )
            record = record.with_measurements(result.descriptors())
        return record

    def merge(self, other: StructuralRecord) -> StructuralRecord:
        """Merge another record of the same sample (conflicts of both are kept)."""
        if other.sample != self.sample:
            raise RecordError(
                f"cannot merge record of sample {other.sample!r} into {self.sample!r}"
            )
        merged = self.with_measurements(other.descriptors)
        extra = [c for c in other.conflicts if c not in merged.conflicts]
        return StructuralRecord(self.sample, merged.descriptors, merged.conflicts + tuple(extra))

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={m!r}" for k, m in self.descriptors.items())
        more = f", {len(self.conflicts)} conflict(s)" if self.conflicts else ""
        return f"StructuralRecord({self.sample!r}: {items or 'no descriptors'}{more})"

    def _repr_html_(self) -> str:
        from charz.display import descriptors_html

        return descriptors_html(self.descriptors, title=self.sample, conflicts=self.conflicts)

    # -- access -----------------------------------------------------------------------
    def __getitem__(self, key: str) -> Measurement:
        try:
            return self.descriptors[key]
        except KeyError:
            raise KeyError(f"sample {self.sample!r} has no descriptor {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.descriptors

    def values(self) -> dict[str, float]:
        """``{key: value}`` in the contract's units."""
        return {k: m.value for k, m in self.descriptors.items()}

    # -- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object for one sample."""
        out: dict[str, Any] = {
            "sample": self.sample,
            "descriptors": {k: m.to_dict() for k, m in self.descriptors.items()},
        }
        if self.conflicts:
            out["conflicts"] = [{"key": k, **m.to_dict()} for k, m in self.conflicts]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StructuralRecord:
        """Inverse of :meth:`to_dict` (exact)."""
        if not isinstance(data, Mapping) or "sample" not in data:
            raise RecordError(f"not a record object (needs 'sample'): {str(data)[:200]}")
        descriptors = {
            k: Measurement.from_dict(v) for k, v in dict(data.get("descriptors", {})).items()
        }
        conflicts = tuple(
            (c["key"], Measurement.from_dict(c)) for c in data.get("conflicts", [])
        )
        return cls(data["sample"], descriptors, conflicts)

    def to_json(self, **kwargs: Any) -> str:
        """JSON text (``json.dumps`` keyword arguments pass through)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> StructuralRecord:
        """Inverse of :meth:`to_json`; also takes what ``records.json`` holds.

        Parameters
        ----------
        text : str
            JSON of one record object, or a list holding exactly one (``records.json`` of
            one sample).

        Raises
        ------
        RecordError
            Not JSON, not a record, or a list of several records (use
            :func:`read_records` or :func:`records_from_json` for those).
        """
        data = _loads(text)
        if isinstance(data, list):
            if len(data) != 1:
                samples = [repr(d.get("sample")) if isinstance(d, Mapping) else "?"
                           for d in data[:5]] + (["..."] if len(data) > 5 else [])
                raise RecordError(
                    f"the JSON holds {len(data)} records ({', '.join(samples)}), not one: use "
                    "charz.read_records(path) or records_from_json(text)"
                )
            data = data[0]
        return cls.from_dict(data)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc}") from None


def records_to_json(records: Iterable[StructuralRecord], **kwargs: Any) -> str:
    """JSON list of records (what ``--json`` prints and ``records.json`` holds)."""
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps([r.to_dict() for r in records], allow_nan=False, **kwargs)


def records_from_json(text: str) -> list[StructuralRecord]:
    """Inverse of :func:`records_to_json` (a single object is accepted too)."""
    data = _loads(text)
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise RecordError(f"not a record or a list of records: {str(data)[:200]}")
    return [StructuralRecord.from_dict(d) for d in data]


def read_records(path: str | Path) -> list[StructuralRecord]:
    """Read a ``records.json`` file (what ``--json``, ``charz demo`` and ``charz report`` write).

    Parameters
    ----------
    path : str or Path
        A JSON file holding a list of record objects, or one record object.

    Returns
    -------
    list of StructuralRecord
        In file order.

    Raises
    ------
    RecordError
        The file cannot be read or does not hold records (the message names the file).

    Examples
    --------
    >>> records = charz.read_records("demo-report/records.json")  # doctest: +SKIP
    >>> records[0]["d002"]  # doctest: +SKIP
    0.3781(4) nm [xrd]
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path.name}: cannot read records ({exc})") from None
    try:
        return records_from_json(text)
    except RecordError as exc:
        raise RecordError(f"{path.name}: {exc}") from None


def merge_records(records: Iterable[StructuralRecord]) -> list[StructuralRecord]:
    """Merge records by sample name, keeping first-seen sample order."""
    merged: dict[str, StructuralRecord] = {}
    for rec in records:
        merged[rec.sample] = merged[rec.sample].merge(rec) if rec.sample in merged else rec
    return list(merged.values())
