"""Imports every table so Alembic sees the whole schema in one metadata."""

from __future__ import annotations

from livetrace.catalog import models as catalog_models
from livetrace.codes import models as codes_models
from livetrace.crypto import models as crypto_models
from livetrace.epcis import doc_models as epcis_doc_models
from livetrace.epcis import models as epcis_models
from livetrace.epcis import query_models as epcis_query_models
from livetrace.identity import models as identity_models
from livetrace.ledger import models as ledger_models
from livetrace.scans import models as scans_models
from livetrace.store.base import Base
from livetrace.trace import models as trace_models

ALL_MODEL_MODULES = (
    crypto_models,
    identity_models,
    catalog_models,
    ledger_models,
    codes_models,
    epcis_models,
    epcis_query_models,
    epcis_doc_models,
    trace_models,
    scans_models,
)
metadata = Base.metadata
