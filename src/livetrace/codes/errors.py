"""Errors raised by the codes feature: issuance, authenticators, NFC tags and SUN taps."""

from __future__ import annotations

from livetrace.kit.errors import ConflictError, NotFoundError, ValidationError, VerificationError


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


# --- Code issuance and authenticators ---------------------------------------------------------


class InvalidCodeRequestError(ValidationError):
    """An issuance or export request breaks a rule: bad lot, count, target, serial or layout."""

    code = "code-request-invalid"


class SerialError(InvalidCodeRequestError):
    """A serial that is not a valid AI (21) value or does not fit the run's EPC scheme."""

    code = "code-serial-invalid"


class DuplicateSerialError(ConflictError):
    """A serial that is already issued for this GTIN (serials are unique per GTIN)."""

    code = "code-serial-duplicate"


class SerialSpaceExhaustedError(ConflictError):
    """Fresh random serials kept colliding with issued ones; the serial space is too full."""

    code = "code-serial-space-exhausted"


class CodeRunNotFoundError(NotFoundError):
    """No such code run, or not visible to the caller."""

    code = "code-run-not-found"


class CodeNotFoundError(NotFoundError):
    """No such item code, or not visible to the caller."""

    code = "code-not-found"


class InvalidStateTransitionError(ConflictError):
    """A code cannot move from its current state to the requested one."""

    code = "code-state-transition"


class AuthenticatorMissingError(VerificationError):
    """A Digital Link without the authenticator query parameter."""

    code = "code-authenticator-missing"


class AuthenticatorFormatError(VerificationError):
    """An authenticator with the wrong shape: truncated, too long, or not hex."""

    code = "code-authenticator-malformed"


class AuthenticatorKeyError(VerificationError):
    """An authenticator made with a key version that is unknown or retired."""

    code = "code-authenticator-key"


class AuthenticatorMismatchError(VerificationError):
    """An authenticator that does not match the code's data: a made-up or altered code."""

    code = "code-authenticator-mismatch"


class HiddenCodeError(VerificationError):
    """A hidden verification code that does not belong to the item (or the item has none)."""

    code = "code-hidden-mismatch"


class NotACodeError(ValidationError):
    """Text that is none of the forms `inspect` explains (GS1 string, Digital Link, EPC)."""

    code = "code-unrecognised"


# --- NFC tag registry -------------------------------------------------------------------------


class NfcTagNotFoundError(NotFoundError):
    """No registered NFC tag with that UID, or not visible to the caller."""

    code = "nfc-tag-not-found"


class NfcKeySetNotFoundError(NotFoundError):
    """No NFC key set for that party (create one before registering tags)."""

    code = "nfc-key-set-not-found"


class DuplicateNfcTagError(ConflictError):
    """The tag UID, or the code it would be bound to, already has a registration."""

    code = "nfc-tag-duplicate"


class UnknownNfcTagError(VerificationError):
    """A tap whose PICC data decrypts under no active key set to a registered tag."""

    code = "nfc-tag-unknown"


class NfcKeySetRetiredError(VerificationError):
    """A tap of a tag whose key set the brand has retired: its keys are no longer trusted."""

    code = "nfc-key-set-retired"


class NfcKeySetAlreadyRetiredError(ConflictError):
    """A request to retire an NFC key set that is already retired."""

    code = "nfc-key-set-already-retired"


class NfcTapConflictError(ConflictError):
    """A tap that could not be recorded because a concurrent write got there first; retry it."""

    code = "nfc-tap-conflict"
