"""C2SP tlog-policy: parse a policy file and accept checkpoints by its log keys and witness quorum.

Lines: ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``, ``group <name> <all|any|k>
<member>...`` and exactly one ``quorum <name|none>``; ``#`` comments; tokens separated by spaces
and tabs. Choices where the spec leaves room:

* Every line, the last included, must end in a newline ("each line is terminated by ASCII
  newline"); an empty file is malformed because it has no quorum line.
* Names are opaque octet strings: the file is decoded as UTF-8 with ``surrogateescape``, a
  one-to-one mapping, so names compare byte for byte and no Unicode normalisation happens.
  vkeys and URLs must be valid UTF-8.
* "Each defined name can be listed as a group member at most once" is applied across the whole
  file, so that no witness can count twice toward the quorum through two groups.
* A numeric threshold is a decimal without leading zeros, ``1 <= k <= n``.
* Limits: at most 256 logs, 256 witnesses and 256 groups (the spec recommends supporting 32).
* A checkpoint's log signature is checked only against policy logs whose key name equals the
  checkpoint origin (the spec: the log's key name MUST correspond to its origin).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from livetrace.ledger._codec import parse_decimal
from livetrace.ledger.checkpoint import Checkpoint, parse_checkpoint
from livetrace.ledger.cosignature import Cosignature, CosignatureVerifier, verified_cosignatures
from livetrace.ledger.errors import (
    MalformedKeyError,
    MalformedPolicyError,
    NoTrustedSignatureError,
    OriginMismatchError,
    QuorumNotMetError,
)
from livetrace.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Ed25519Verifier,
    VerifiedNote,
    Verifier,
    VerifierKey,
    parse_note,
    parse_vkey,
    verify_note,
)

NONE = "none"
MAX_ENTRIES = 256
_FORBIDDEN_OCTETS = frozenset(range(0x20)) - {0x09, 0x0A} | {0x7F}


@dataclass(frozen=True, slots=True)
class PolicyLog:
    """A trusted log: its Ed25519 (type 0x01) key and an optional URL."""

    key: VerifierKey
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyWitness:
    """A named witness: its cosignature (type 0x04) key and an optional URL."""

    name: str
    key: VerifierKey
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyGroup:
    """A group that witnesses a checkpoint when at least ``threshold`` members do."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy; ``quorum`` is ``None`` for ``quorum none``."""

    logs: tuple[PolicyLog, ...]
    witnesses: Mapping[str, PolicyWitness]
    groups: Mapping[str, PolicyGroup]
    quorum: str | None

    def log_verifiers(self, origin: str) -> list[Ed25519Verifier]:
        """Verifiers of the policy logs whose key name is ``origin``."""
        return [Ed25519Verifier.from_vkey(log.key) for log in self.logs if log.key.name == origin]

    def witness_verifiers(self) -> dict[str, CosignatureVerifier]:
        """Cosignature verifiers by policy witness name."""
        return {n: CosignatureVerifier.from_vkey(w.key) for n, w in self.witnesses.items()}

    def is_satisfied_by(self, witnesses: Collection[str]) -> bool:
        """True if cosignatures from the named witnesses meet the quorum."""
        return self.quorum is None or self._witnessed(self.quorum, witnesses)

    def _witnessed(self, name: str, witnesses: Collection[str]) -> bool:
        group = self.groups.get(name)
        if group is None:
            return name in witnesses
        count = sum(self._witnessed(member, witnesses) for member in group.members)
        return count >= group.threshold

    def check_quorum(self, witnesses: Collection[str]) -> None:
        """Raise ``QuorumNotMetError`` unless the named witnesses meet the quorum."""
        if not self.is_satisfied_by(witnesses):
            raise QuorumNotMetError(
                f"cosignatures from {sorted(witnesses) or 'no witness'} do not satisfy "
                f"quorum {self.quorum!r}",
                field="quorum",
                details={"cosigners": sorted(witnesses), "quorum": self.quorum},
            )


@dataclass(frozen=True, slots=True)
class AcceptedCheckpoint:
    """A checkpoint that passed a policy: its verified note and the witnesses that cosigned."""

    checkpoint: Checkpoint
    note: VerifiedNote
    cosignatures: Mapping[str, Cosignature] = field(default_factory=dict)

    @property
    def cosigners(self) -> frozenset[str]:
        """Policy names of the witnesses whose cosignatures verified."""
        return frozenset(self.cosignatures)


def verify_checkpoint(
    signed_checkpoint: str | bytes,
    policy: Policy,
    *,
    origin: str | None = None,
    log_verifiers: Sequence[Verifier] = (),
) -> AcceptedCheckpoint:
    """Accept a signed checkpoint by ``policy``: a log signature, valid cosignatures, the quorum.

    ``log_verifiers`` adds log keys known from context (for policies without ``log`` lines).
    """
    note = parse_note(signed_checkpoint)
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise OriginMismatchError(
            f"checkpoint is for {checkpoint.origin!r}, expected {origin!r}", field="origin"
        )
    logs: list[Verifier] = [*policy.log_verifiers(checkpoint.origin), *log_verifiers]
    witnesses = policy.witness_verifiers()
    verified = verify_note(note, [*logs, *witnesses.values()])
    if not any(verified.is_signed_by(v.name, v.key_id) for v in logs):
        raise NoTrustedSignatureError(
            f"checkpoint for {checkpoint.origin!r} carries no valid signature by a policy log",
            field="signatures",
        )
    cosignatures = _cosignatures_by_witness(verified, witnesses)
    policy.check_quorum(cosignatures.keys())
    return AcceptedCheckpoint(checkpoint, verified, cosignatures)


def _cosignatures_by_witness(
    note: VerifiedNote, witnesses: Mapping[str, CosignatureVerifier]
) -> dict[str, Cosignature]:
    found: dict[str, Cosignature] = {}
    for name, verifier in witnesses.items():
        for cosignature in verified_cosignatures(note, [verifier]):
            # Keep the latest cosignature when a witness signed more than once.
            if name not in found or cosignature.timestamp > found[name].timestamp:
                found[name] = cosignature
    return found


# --- parsing --------------------------------------------------------------------------------------


class _Builder:
    """Accumulates policy lines and enforces the structural rules as they arrive."""

    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: dict[str, PolicyWitness] = {}
        self.groups: dict[str, PolicyGroup] = {}
        self.quorum: str | None = None
        self.has_quorum = False
        self.used_as_member: set[str] = set()

    def fail(self, line: int, message: str) -> MalformedPolicyError:
        return MalformedPolicyError(f"line {line}: {message}", details={"line": line})

    def add_log(self, line: int, args: Sequence[str]) -> None:
        if len(args) not in (1, 2):
            raise self.fail(line, "expected 'log <vkey> [<url>]'")
        key = self.key(line, args[0], ALG_ED25519, "log")
        if any(log.key.public_key == key.public_key for log in self.logs):
            raise self.fail(line, "duplicate log key")
        self.logs.append(PolicyLog(key, self.url(line, args[1:])))
        self.limit(line, len(self.logs), "logs")

    def add_witness(self, line: int, args: Sequence[str]) -> None:
        if len(args) not in (2, 3):
            raise self.fail(line, "expected 'witness <name> <vkey> [<url>]'")
        name = self.new_name(line, args[0])
        key = self.key(line, args[1], ALG_COSIGNATURE_V1, "witness")
        if any(w.key.public_key == key.public_key for w in self.witnesses.values()):
            raise self.fail(line, "duplicate witness key")
        self.witnesses[name] = PolicyWitness(name, key, self.url(line, args[2:]))
        self.limit(line, len(self.witnesses), "witnesses")

    def add_group(self, line: int, args: Sequence[str]) -> None:
        if len(args) < 3:
            raise self.fail(line, "expected 'group <name> <all|any|k> <member>...'")
        name, members = self.new_name(line, args[0]), tuple(args[2:])
        for member in members:
            self.check_member(line, member)
        self.groups[name] = PolicyGroup(name, self.threshold(line, args[1], len(members)), members)
        self.limit(line, len(self.groups), "groups")

    def set_quorum(self, line: int, args: Sequence[str]) -> None:
        if len(args) != 1:
            raise self.fail(line, "expected 'quorum <name>'")
        if self.has_quorum:
            raise self.fail(line, "a policy has exactly one quorum line")
        name = args[0]
        if name != NONE and name not in self.witnesses and name not in self.groups:
            raise self.fail(line, f"quorum {name!r} is not defined on an earlier line")
        self.has_quorum, self.quorum = True, None if name == NONE else name

    def new_name(self, line: int, name: str) -> str:
        if name == NONE:
            raise self.fail(line, "'none' is reserved")
        if name in self.witnesses or name in self.groups:
            raise self.fail(line, f"name {name!r} is already defined")
        return name

    def check_member(self, line: int, member: str) -> None:
        if member == NONE:
            raise self.fail(line, "'none' cannot be a group member")
        if member not in self.witnesses and member not in self.groups:
            raise self.fail(line, f"member {member!r} is not defined on an earlier line")
        if member in self.used_as_member:
            raise self.fail(line, f"{member!r} is already a member of a group")
        self.used_as_member.add(member)

    def threshold(self, line: int, text: str, members: int) -> int:
        if text == "all":
            return members
        if text == "any":
            return 1
        k = parse_decimal(text)
        if k is None or not 1 <= k <= members:
            raise self.fail(line, f"threshold {text!r} is not all, any or 1..{members}")
        return k

    def key(self, line: int, text: str, alg: int, role: str) -> VerifierKey:
        try:
            key = parse_vkey(_utf8(text))
        except (MalformedKeyError, UnicodeError) as exc:
            raise self.fail(line, f"bad {role} vkey: {exc}") from None
        if key.alg != alg:
            raise self.fail(line, f"{role} vkey must be signature type 0x{alg:02x}")
        return key

    def url(self, line: int, args: Sequence[str]) -> str | None:
        if not args:
            return None
        try:
            return _utf8(args[0])
        except UnicodeError:
            raise self.fail(line, "URL is not UTF-8") from None

    def limit(self, line: int, count: int, what: str) -> None:
        if count > MAX_ENTRIES:
            raise self.fail(line, f"more than {MAX_ENTRIES} {what}")

    def build(self) -> Policy:
        if not self.has_quorum:
            raise MalformedPolicyError("the policy has no quorum line", field="quorum")
        return Policy(tuple(self.logs), dict(self.witnesses), dict(self.groups), self.quorum)


def _utf8(token: str) -> str:
    """Re-check that a surrogate-escaped token was valid UTF-8."""
    token.encode("utf-8")
    return token


def parse_policy(data: bytes | str) -> Policy:
    """Parse a tlog-policy file."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    _check_octets(raw)
    if raw and not raw.endswith(b"\n"):
        raise MalformedPolicyError("the last line does not end in a newline")
    builder = _Builder()
    handlers = {
        "log": builder.add_log,
        "witness": builder.add_witness,
        "group": builder.add_group,
        "quorum": builder.set_quorum,
    }
    for number, tokens in _lines(raw):
        handler = handlers.get(tokens[0])
        if handler is None:
            raise builder.fail(number, f"unknown keyword {tokens[0]!r}")
        handler(number, tokens[1:])
    return builder.build()


def _check_octets(raw: bytes) -> None:
    for offset, octet in enumerate(raw):
        if octet in _FORBIDDEN_OCTETS:
            line = raw.count(b"\n", 0, offset) + 1
            raise MalformedPolicyError(
                f"line {line}: control octet 0x{octet:02x} is not allowed",
                details={"line": line},
            )


def _lines(raw: bytes) -> Iterable[tuple[int, list[str]]]:
    """Non-empty, non-comment lines as (line number, tokens)."""
    text = raw.decode("utf-8", "surrogateescape")
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        tokens = line.replace("\t", " ").split(" ")
        tokens = [t for t in tokens if t]
        if tokens and not tokens[0].startswith("#"):
            yield number, tokens
