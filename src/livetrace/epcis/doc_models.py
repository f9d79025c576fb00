"""Tables of evidence documents (QC reports, lab results, certificates) and what they are about."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id
from livetrace.store.base import Base
from livetrace.store.types import UTCDateTime


class EvidenceDocument(Base):
    """A file stored by its SHA-256, described by a statement of its issuer on the log.

    The row is an index: what counts is the statement at `log_index`, signed by the issuing party,
    which names the SHA-256 of the bytes. Rows are never updated.
    """

    __tablename__ = "evidence_document"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    issuer_party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    log_index: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class EvidenceLink(Base):
    """A document is about a product, a lot, a party or an event (`target` is its id/eventID)."""

    __tablename__ = "evidence_link"
    __table_args__ = (Index("ix_evidence_link_target", "target_kind", "target"),)

    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("evidence_document.id", ondelete="CASCADE"), primary_key=True
    )
    target_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target: Mapped[str] = mapped_column(String(512), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
