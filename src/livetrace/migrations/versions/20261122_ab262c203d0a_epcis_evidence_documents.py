"""epcis: evidence documents

Revision ID: ab262c203d0a
Revises: 6c6eb8ce0f47
Create Date: 2026-11-22 00:18:59.663621
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import livetrace.store.types

revision: str = "ab262c203d0a"
down_revision: str | None = "6c6eb8ce0f47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("issuer_party_id", sa.Uuid(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_party_id"],
            ["party.id"],
            name=op.f("fk_evidence_document_issuer_party_id_party"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_document")),
        sa.UniqueConstraint("log_index", name=op.f("uq_evidence_document_log_index")),
        sa.UniqueConstraint("sha256", name=op.f("uq_evidence_document_sha256")),
    )
    with op.batch_alter_table("evidence_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_document_issuer_party_id"), ["issuer_party_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_document_kind"), ["kind"], unique=False)

    op.create_table(
        "evidence_link",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["evidence_document.id"],
            name=op.f("fk_evidence_link_document_id_evidence_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "document_id", "target_kind", "target", name=op.f("pk_evidence_link")
        ),
    )
    with op.batch_alter_table("evidence_link", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_link_target", ["target_kind", "target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_link", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_link_target")

    op.drop_table("evidence_link")
    with op.batch_alter_table("evidence_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_document_kind"))
        batch_op.drop_index(batch_op.f("ix_evidence_document_issuer_party_id"))

    op.drop_table("evidence_document")
