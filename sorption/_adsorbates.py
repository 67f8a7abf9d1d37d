"""Adsorptive properties used by the sorption analyses (cross-sections, molar masses, p0, ρ_liq, γ).

Every number here is stated where it is used (in the result's ``method`` text and
provenance parameters), so a user can see which constant produced an area or a volume.

Saturation pressure, saturated-liquid density and surface tension at the bath temperature
come from CoolProp (MIT) when it is importable; otherwise from smooth fits to CoolProp 8.0
values (``ln p0 = a + b/T + c ln T``, ρ quadratic and γ linear in T; fit ranges below;
max. deviation 0.07 % for p0 of N2 at 70–90 K, 0.2 % for CO2 at 253–303 K). The source is
returned with the value.

References
----------
.. [1] ISO 9277:2022, cross-sectional areas; 22 414 cm^3(STP)/mol.
.. [2] M. Thommes et al., Pure Appl. Chem. 87 (2015) 1051 (IUPAC physisorption report).
.. [3] I. H. Bell et al., Ind. Eng. Chem. Res. 53 (2014) 2498 (CoolProp).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "ADSORBATES",
    "MOLAR_VOLUME_STP",
    "N_AVOGADRO",
    "R_GAS",
    "Adsorbate",
    "adsorbate",
    "canonical_name",
]

#: cm^3(STP) per mol of ideal gas (ISO 9277; 273.15 K, 101.325 kPa).
MOLAR_VOLUME_STP = 22414.0
#: 1/mol (CODATA 2018, exact).
N_AVOGADRO = 6.02214076e23
#: J/(mol K).
R_GAS = 8.314462618


@dataclass(frozen=True, slots=True)
class Adsorbate:
    """Constants of one adsorptive.

    Attributes
    ----------
    name : str
        Canonical short name (``"N2"``).
    coolprop : str or None
        CoolProp fluid name.
    molar_mass : float
        g/mol.
    cross_section : float or None
        BET molecular cross-sectional area in nm^2 (ISO 9277 values where given).
    fit : tuple or None
        ``(a, b, c, T_min, T_max)`` of ``ln(p0/Pa) = a + b/T + c ln T`` (fallback).
    rho_fit, gamma_fit : tuple or None
        Quadratic (ρ_liq in kg/m^3) and linear (γ in N/m) coefficients in T (fallback).
    """

    name: str
    coolprop: str | None
    molar_mass: float
    cross_section: float | None
    fit: tuple[float, float, float, float, float] | None = None
    rho_fit: tuple[float, float, float] | None = None
    gamma_fit: tuple[float, float] | None = None

    def _coolprop(self, what: str, temperature: float) -> float | None:
        if self.coolprop is None:
            return None
        try:
            from CoolProp.CoolProp import PropsSI
        except ImportError:
            return None
        try:
            return float(PropsSI(what, "T", float(temperature), "Q", 0, self.coolprop))
        except ValueError:  # outside the fluid's two-phase range
            return None

    def _check_fit_range(self, what: str, temperature: float) -> None:
        """The liquid fits hold over the p0 fit's range ± 5 K (the saturated liquid)."""
        if self.fit is None:
            return
        tmin, tmax = self.fit[3], self.fit[4]
        if not tmin - 5 <= temperature <= tmax + 5:
            raise KeyError(f"{self.name} {what} is known for the saturated liquid at "
                           f"{tmin - 5:g}–{tmax + 5:g} K, not at {temperature:g} K")

    def saturation_pressure(self, temperature: float) -> tuple[float, str]:
        """Saturation pressure p0 in Pa at ``temperature`` (K), and the source used."""
        v = self._coolprop("P", temperature)
        if v is not None:
            return v, "CoolProp saturation pressure"
        if self.fit is None:
            raise KeyError(f"no saturation-pressure data for {self.name}")
        a, b, c, tmin, tmax = self.fit
        if not tmin - 5 <= temperature <= tmax + 5:
            raise KeyError(f"{self.name} p0 fit is valid for {tmin}-{tmax} K, not {temperature} K")
        return math.exp(a + b / temperature + c * math.log(temperature)), (
            "fit to CoolProp 8.0 saturation pressures"
        )

    def liquid_density(self, temperature: float) -> tuple[float, str]:
        """Saturated-liquid density in g/cm^3 at ``temperature`` (K), and the source."""
        v = self._coolprop("D", temperature)
        if v is not None:
            return v / 1000.0, "CoolProp saturated-liquid density"
        if self.rho_fit is None:
            raise KeyError(f"no liquid density for {self.name}")
        self._check_fit_range("liquid density", temperature)
        a, b, c = self.rho_fit
        return (a * temperature**2 + b * temperature + c) / 1000.0, "fit to CoolProp 8.0"

    def surface_tension(self, temperature: float) -> tuple[float, str]:
        """Surface tension in N/m at ``temperature`` (K), and the source."""
        v = self._coolprop("I", temperature)
        if v is not None:
            return v, "CoolProp surface tension"
        if self.gamma_fit is None:
            raise KeyError(f"no surface tension for {self.name}")
        self._check_fit_range("surface tension", temperature)
        a, b = self.gamma_fit
        return a * temperature + b, "fit to CoolProp 8.0"


ADSORBATES: dict[str, Adsorbate] = {
    "N2": Adsorbate(
        "N2", "Nitrogen", 28.0134, 0.162,
        (27.403032695, -803.659282595, -1.262068184, 70.0, 90.0),
        (-0.0216530792, -1.2005380244, 1028.5643107),
        (-0.000223252454, 0.0261665254),
    ),
    "Ar": Adsorbate(
        "Ar", "Argon", 39.948, 0.142,
        (27.843211007, -918.545522305, -1.296749803, 80.0, 95.0),
        (-0.0170435723, -3.2040877762, 1805.02145037),
        (-0.000246913153, 0.0341003841),
    ),
    "Kr": Adsorbate(
        "Kr", "Krypton", 83.798, 0.202,
        (28.733463450, -1282.352432630, -1.357790902, 110.0, 125.0),
        (-0.0148059072, -4.1006098632, 3119.85277944),
        (-0.000217119568, 0.0415606142),
    ),
    "CO2": Adsorbate(
        "CO2", "CarbonDioxide", 44.0095, 0.170,
        (12.553664874, -1577.759318404, 1.476997219, 253.0, 303.0),
        None,
        None,
    ),
}

_ALIASES = {
    "n2": "N2", "nitrogen": "N2", "stickstoff": "N2",
    "ar": "Ar", "argon": "Ar",
    "kr": "Kr", "krypton": "Kr",
    "co2": "CO2", "carbon dioxide": "CO2", "carbondioxide": "CO2", "co₂": "CO2",
}


def canonical_name(name: str) -> str:
    """Canonical adsorptive name (``"Nitrogen"`` → ``"N2"``); unknown names come back stripped."""
    key = " ".join(str(name).strip().strip("'\"").split()).lower()
    return _ALIASES.get(key, str(name).strip().strip("'\""))


def adsorbate(name: str) -> Adsorbate | None:
    """The :class:`Adsorbate` for a name or alias, or None when charz has no data for it."""
    return ADSORBATES.get(canonical_name(name))
