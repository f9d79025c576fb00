"""JSON-LD `@context` handling: the GS1 EPCIS context and extra namespace prefixes.

Only what EPCIS documents use is supported: the GS1 context by URL (never fetched; its prefixes
are known here) plus objects mapping prefixes to namespace IRIs. Extension keys and values are
compact IRIs `prefix:local`; `expand` turns them into `(namespace, local)`.

Choice: the GS1 context is `@protected`, so a document must not rebind its prefixes; an extra
binding of `cbvmda` etc. to the same IRI is tolerated and dropped when writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from livetrace.epcis.model import JsonValue, Namespaces

GS1_CONTEXT_URLS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.1/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
DEFAULT_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
GS1_PREFIXES: dict[str, str] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    # The XML namespace: the 2026 hash reference expands the context's `cbvmda:` to it, while
    # an explicit `{"cbvmda": "urn:epcglobal:cbv:mda:"}` keeps its colon.
    "cbvmda": "urn:epcglobal:cbv:mda",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}


def context_prefixes(context: JsonValue) -> dict[str, str]:
    """Prefix → namespace IRI bindings declared by a `@context` value (GS1 ones included)."""
    found = dict(GS1_PREFIXES)
    entries = context if isinstance(context, list) else [context]
    for entry in entries:
        if isinstance(entry, dict):
            for key, value in entry.items():
                if isinstance(value, str) and not key.startswith("@") and _is_iri(value):
                    found[key] = value
    return found


def has_gs1_context(context: JsonValue) -> bool:
    """Whether the `@context` value names the GS1 EPCIS context."""
    entries = context if isinstance(context, list) else [context]
    return any(isinstance(e, str) and e in GS1_CONTEXT_URLS for e in entries)


def _is_iri(value: str) -> bool:
    return ":" in value and " " not in value


def split_curie(key: str) -> tuple[str, str] | None:
    """`("prefix", "local")` for a compact IRI `prefix:local`, None for a plain term or an IRI."""
    prefix, sep, local = key.partition(":")
    if not sep or not prefix or local.startswith("//") or prefix.startswith("@"):
        return None
    return prefix, local


def expand(key: str, prefixes: Mapping[str, str]) -> tuple[str, str] | None:
    """`(namespace, local)` for a compact IRI with a bound prefix, else None."""
    parts = split_curie(key)
    if parts is None or parts[0] not in prefixes:
        return None
    return prefixes[parts[0]], parts[1]


def extension_prefixes(keys: Iterable[str]) -> set[str]:
    """The prefixes used by a set of compact-IRI keys."""
    return {p[0] for p in (split_curie(k) for k in keys) if p is not None}


def used_namespaces(prefixes: Mapping[str, str], used: Iterable[str]) -> Namespaces:
    """The bindings of the prefixes in `used` that are not GS1 context prefixes, sorted."""
    return tuple(
        sorted(
            (p, prefixes[p])
            for p in set(used)
            if p in prefixes and GS1_PREFIXES.get(p) != prefixes[p]
        )
    )


def json_keys(value: JsonValue) -> Iterable[str]:
    """Every object key inside a JSON value, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_keys(item)
