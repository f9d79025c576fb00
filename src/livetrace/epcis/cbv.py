"""CBV 2.0 vocabularies and the forms their values take.

A standard value can be written four ways: the bare word of the JSON binding (`shipping`), the
GS1 Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`), the compact IRI (`cbv:BizStep-shipping`)
and the CBV 1.x URN of the XML binding (`urn:epcglobal:cbv:bizstep:shipping`). The internal form
is the bare word for a value of the standard list and the value as written for anything else;
`to_bare` normalises, `to_web_uri` and `to_urn` produce the other forms.

Measurement types, sensor alert types and components use the GS1 Web Vocabulary
(`gs1:Temperature`, `gs1:ALARM_CONDITION`) or the CBV `Comp-` terms. Sensor UOM codes are
UN/CEFACT Rec 20 codes; `SENSOR_UOMS` lists the ones the sensor examples and `units.py` use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

CBV_WEB = "https://ref.gs1.org/cbv/"
GS1_VOC_WEB = "https://ref.gs1.org/voc/"
GS1_VOC_CONTEXT = "https://gs1.org/voc/"  # what the JSON-LD context binds `gs1:` to

BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        "sensor_reporting",
        "sampling",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "container_closed",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "no_pedigree_match",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unknown",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_open",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "non_conformant",
        "unavailable",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DEST_TYPES = frozenset({"owning_party", "possessing_party", "location"})
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})
SENSOR_ALERT_TYPES = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
COMPONENTS = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)
MEASUREMENT_TYPES = frozenset(
    [
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Radioactivity",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
    ]
)
# UN/CEFACT Rec 20 codes met in sensor reports (temperature, humidity, light, speed, mass …).
SENSOR_UOMS = frozenset(
    [
        "CEL",
        "FAH",
        "KEL",
        "A93",
        "P1",
        "C35",
        "LUX",
        "KMH",
        "MTS",
        "KGM",
        "GRM",
        "TNE",
        "MGM",
        "LTR",
        "MLT",
        "MTQ",
        "MTR",
        "CMT",
        "MMT",
        "KTM",
        "HTZ",
        "PAL",
        "KPA",
        "BAR",
        "MBR",
        "VLT",
        "AMP",
        "WTT",
        "KWT",
        "KWH",
        "JOU",
        "DD",
        "2N",
        "59",
        "H79",
    ]
)


@dataclass(frozen=True)
class Vocabulary:
    """A CBV code list with its Web URI term prefix and its CBV 1.x URN prefix."""

    name: str
    words: frozenset[str]
    web_prefix: str
    urn_prefix: str | None

    def to_bare(self, value: str) -> str:
        """The bare word when `value` is a standard value in any form, else `value` unchanged."""
        if value in self.words:  # the common JSON form; no prefix form is itself a bare word
            return value
        for prefix in self._prefixes():
            if value.startswith(prefix) and value[len(prefix) :] in self.words:
                return value[len(prefix) :]
        return value

    def is_standard(self, value: str) -> bool:
        """Whether `value`, in any form, is one of the standard values."""
        return self.to_bare(value) in self.words

    def to_web_uri(self, value: str) -> str:
        """The GS1 Web URI of a standard value; other values unchanged."""
        bare = self.to_bare(value)
        return self.web_prefix + bare if bare in self.words else value

    def to_urn(self, value: str) -> str:
        """The CBV 1.x URN of a standard value (XML form); other values unchanged."""
        bare = self.to_bare(value)
        if bare in self.words and self.urn_prefix is not None:
            return self.urn_prefix + bare
        if bare in self.words:
            return "gs1:" + bare
        return value

    def _prefixes(self) -> tuple[str, ...]:
        return _prefixes_of(self.web_prefix, self.urn_prefix)


@lru_cache(maxsize=64)
def _prefixes_of(web_prefix: str, urn_prefix: str | None) -> tuple[str, ...]:
    """Every prefix a code list's values may carry: Web URI, compact IRIs, CBV 1.x URN."""
    curie = web_prefix.replace(CBV_WEB, "cbv:").replace(GS1_VOC_WEB, "gs1:")
    alt = web_prefix.replace(GS1_VOC_WEB, GS1_VOC_CONTEXT)
    urn = (urn_prefix,) if urn_prefix else ()
    return (web_prefix, curie, alt, *urn, "http://ref.gs1.org/" + web_prefix[19:])


BIZ_STEP = Vocabulary("bizStep", BIZ_STEPS, CBV_WEB + "BizStep-", "urn:epcglobal:cbv:bizstep:")
DISPOSITION = Vocabulary("disposition", DISPOSITIONS, CBV_WEB + "Disp-", "urn:epcglobal:cbv:disp:")
BIZ_TRANSACTION_TYPE = Vocabulary(
    "bizTransaction type", BIZ_TRANSACTION_TYPES, CBV_WEB + "BTT-", "urn:epcglobal:cbv:btt:"
)
SOURCE_DEST_TYPE = Vocabulary(
    "source/destination type", SOURCE_DEST_TYPES, CBV_WEB + "SDT-", "urn:epcglobal:cbv:sdt:"
)
ERROR_REASON = Vocabulary("error reason", ERROR_REASONS, CBV_WEB + "ER-", "urn:epcglobal:cbv:er:")
MEASUREMENT_TYPE = Vocabulary("measurement type", MEASUREMENT_TYPES, GS1_VOC_WEB, None)
SENSOR_ALERT_TYPE = Vocabulary("sensor alert type", SENSOR_ALERT_TYPES, GS1_VOC_WEB, None)
COMPONENT = Vocabulary("component", COMPONENTS, CBV_WEB + "Comp-", "urn:epcglobal:cbv:comp:")

ALL_VOCABULARIES = (
    BIZ_STEP,
    DISPOSITION,
    BIZ_TRANSACTION_TYPE,
    SOURCE_DEST_TYPE,
    ERROR_REASON,
    MEASUREMENT_TYPE,
    SENSOR_ALERT_TYPE,
    COMPONENT,
)
CBV_URN_PREFIXES = {v.urn_prefix: v for v in ALL_VOCABULARIES if v.urn_prefix}


def is_reserved_cbv_uri(value: str) -> bool:
    """Whether `value` uses a CBV namespace the ratified schema keeps for standard values.

    As the schema's `vocab-other-uri`: the `urn:epcglobal:cbv` and `ns.gs1.org/cbv` forms. A
    compact IRI such as `cbv:my_own_party` is accepted, as the OpenEPCIS corpus expects.
    """
    return value.startswith(
        ("urn:epcglobal:cbv:", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/")
    )
