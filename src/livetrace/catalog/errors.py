"""Errors of the catalog package."""

from __future__ import annotations

from livetrace.kit.errors import ConflictError, NotFoundError, ValidationError


class InvalidCatalogDataError(ValidationError):
    """A product, template or lot field breaks a rule."""

    code = "invalid-catalog-data"


class MissingAttributeError(InvalidCatalogDataError):
    """A template marks an attribute as required and it was not given."""

    code = "missing-attribute"


class ProductNotFoundError(NotFoundError):
    """No such product, or not visible to the caller."""

    code = "product-not-found"


class TemplateNotFoundError(NotFoundError):
    """No template with that code."""

    code = "template-not-found"


class LotNotFoundError(NotFoundError):
    """No such lot, or not visible to the caller."""

    code = "lot-not-found"


class DuplicateProductError(ConflictError):
    """The GTIN (or template code, or lot number) is already registered."""

    code = "duplicate"
