"""GS1 linksets for scanned codes (RFC 9264 JSON, GS1-Conformant Resolver 1.2), pure.

A linkset is `{"linkset": [{"anchor": <Digital Link>, <link type URI>: [<link>, …], …}]}`.
The rules it keeps, from the GS1-Conformant Resolver standard and its normative linkset schema
(`https://ref.gs1.org/standards/resolver/1.2.0/linkset-schema`):

* Link types are written as full URIs of the GS1 Web Vocabulary (`https://gs1.org/voc/pip`),
  never as CURIEs; requests may name them either way (`linkType=gs1:pip`).
* Every link has an absolute http(s) `href` and a `title`; `type` is a media type and `hreflang`
  a list of two-letter language tags (optionally with a region, `zh-CN`). No other members.
* Exactly one `gs1:defaultLink` per anchor: where a request without `linkType` goes.
* The anchor is the Digital Link the links are about, without its query: the links describe the
  identified thing, not one scan of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from livetrace.kit.errors import NotFoundError, ValidationError

GS1_VOC = "https://gs1.org/voc/"
LINKSET_MEDIA_TYPE = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
ALL = "all"
DEFAULT_LINK = "defaultLink"
DEFAULT_LINK_MULTI = "defaultLinkMulti"

# Link types of the GS1 Web Vocabulary (https://ref.gs1.org/voc/, class gs1:LinkType) a
# resolver may be asked for. Requests naming any other gs1: term are answered with 404.
LINK_TYPES = frozenset({
    "activityIdeas", "allergenInfo", "appDownload", "certificationInfo", "careersInfo",
    "consumerHandlingStorageInfo", "defaultLink", "defaultLinkMulti", "eventsInfo",
    "epcis", "epil", "faqs", "handledBy", "homepage", "ingredientsInfo", "instructions",
    "jws", "leaveReview", "locationInfo", "logisticsInfo", "loyaltyProgram", "masterData",
    "menuInfo", "nutritionalInfo", "openingHoursInfo", "paymentLink", "pip", "productSustainabilityInfo",
    "promotion", "purchaseSuppliesOrAccessories", "quickStartGuide", "recallStatus", "recipeInfo",
    "registerProduct", "registryEntry", "relatedImage", "relatedVideo", "review", "safetyInfo",
    "scheduleTime", "serviceInfo", "smartLabel", "socialMedia", "statisticInfo", "subscribe",
    "support", "sustainabilityInfo", "traceability", "tutorial", "userAgreement",
    "verificationService", "whatsInTheBox",
})  # fmt: skip
_VOC_PREFIXES = ("gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/", "https://ref.gs1.org/voc/")


class LinkTypeError(ValidationError):
    """A `linkType` value that names no GS1 link type."""

    code = "unknown-link-type"


class LinkTypeNotFoundError(NotFoundError):
    """The resolver has no link of the requested type for this identifier."""

    code = "link-type-not-found"


@dataclass(frozen=True, slots=True)
class Link:
    """One target: its GS1 link type (local name, e.g. `pip`), address, title and language."""

    link_type: str
    href: str
    title: str
    media_type: str = "text/html"
    hreflang: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The link object of a linkset (members in a fixed order)."""
        out: dict[str, Any] = {"href": self.href, "title": self.title, "type": self.media_type}
        if self.hreflang:
            out["hreflang"] = list(self.hreflang)
        return out


@dataclass(frozen=True, slots=True)
class Linkset:
    """The links of one anchor, with the link type requests without `linkType` go to."""

    anchor: str
    links: tuple[Link, ...]
    default_type: str = "pip"
    description: str | None = None
    _types: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        types = frozenset(link.link_type for link in self.links)
        unknown = sorted(t for t in types if t not in LINK_TYPES)
        if unknown:
            raise LinkTypeError(f"not GS1 link types: {', '.join(unknown)}", field="links")
        if self.default_type not in types:
            raise LinkTypeError(
                f"the default link type {self.default_type!r} has no link", field="default_type"
            )
        if not self.anchor.startswith(("http://", "https://")) or "?" in self.anchor:
            raise ValidationError(
                "the anchor must be an http(s) Digital Link without a query", field="anchor"
            )
        object.__setattr__(self, "_types", types)

    def to_json(self) -> dict[str, Any]:
        """The RFC 9264 JSON document (`application/linkset+json`)."""
        context: dict[str, Any] = {"anchor": self.anchor}
        if self.description:
            context["description"] = self.description
        for link_type in sorted(self._types):
            context[GS1_VOC + link_type] = [
                link.to_json() for link in self.links if link.link_type == link_type
            ]
        context[GS1_VOC + DEFAULT_LINK] = [self.default(None).to_json()]
        return {"linkset": [context]}

    def default(self, lang: str | None) -> Link:
        """The default link (in `lang` when one is offered)."""
        return self.select(self.default_type, lang)

    def select(self, link_type: str, lang: str | None) -> Link:
        """The best link of `link_type` for `lang`; raise when there is none."""
        name = self.default_type if link_type == DEFAULT_LINK else link_type
        candidates = [link for link in self.links if link.link_type == name]
        if not candidates:
            raise LinkTypeNotFoundError(
                f"no gs1:{link_type} link for this item", field="linkType",
                details={"available": sorted(f"gs1:{t}" for t in self._types)},
            )  # fmt: skip
        matching = [c for c in candidates if lang and _speaks(c, lang)]
        return (matching or candidates)[0]


def _speaks(link: Link, lang: str) -> bool:
    primary = lang.split("-", 1)[0].lower()
    return any(tag.split("-", 1)[0].lower() == primary for tag in link.hreflang)


def parse_link_type(value: str) -> str:
    """The local name of a requested link type (`gs1:pip`, a vocabulary URI), or `all`."""
    text = value.strip()
    if text in (ALL, "linkset"):  # the resolver standard names the linkset either way
        return ALL
    for prefix in _VOC_PREFIXES:
        if text.startswith(prefix):
            name = text.removeprefix(prefix)
            if name in LINK_TYPES:
                return name
            break
    raise LinkTypeError(
        f"linkType {value[:80]!r} is not a GS1 link type: use `all`, or gs1:<term> such as "
        "gs1:pip or gs1:verificationService",
        field="linkType",
    )


def link_header(linkset_url: str, anchor: str) -> str:
    """The `Link` response header that points clients at the linkset (and says what it is about)."""
    return (
        f'<{linkset_url}>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}", <{anchor}>; rel="owl:sameAs"'
    )
