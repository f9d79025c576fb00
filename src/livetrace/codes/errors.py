"""Errors raised by the codes feature (item codes and NFC tag verification)."""

from __future__ import annotations

from livetrace.kit.errors import ValidationError, VerificationError


class MalformedSunError(ValidationError):
    """A SUN tap parameter or key has the wrong shape: not hex, wrong length, wrong size."""

    code = "sun-malformed"


class UnsupportedSunModeError(ValidationError):
    """A well-formed SUN message in a mode this verifier does not implement (LRP)."""

    code = "sun-unsupported-mode"


class SunDecryptionError(VerificationError):
    """The encrypted PICC data did not decrypt to a valid PICCData block."""

    code = "sun-picc-undecryptable"


class SunMacError(VerificationError):
    """The SDM MAC of a tap does not match: forged, tampered or keyed differently."""

    code = "sun-mac-mismatch"


class SunCounterError(VerificationError):
    """An authentic tap whose read counter is not above the last accepted one."""

    code = "sun-counter-not-increasing"


class SunReplayError(SunCounterError):
    """An authentic tap presented again: same counter as the last accepted tap."""

    code = "sun-replay"


class SunCounterRollbackError(SunCounterError):
    """An authentic but stale tap: its counter is below the last accepted one (copied URL)."""

    code = "sun-counter-rollback"


class OriginalitySignatureError(VerificationError):
    """The NXP originality signature does not verify for this UID."""

    code = "originality-signature-invalid"
