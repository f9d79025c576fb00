"""epcis: named queries, subscriptions

Revision ID: 0903f6df7fd3
Revises: 6c6eb8ce0f47
Create Date: 2026-11-22 00:12:10.699660
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import livetrace.store.types

revision: str = "0903f6df7fd3"
down_revision: str | None = "6c6eb8ce0f47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "epcis_location_parent",
        sa.Column("child", sa.String(length=512), nullable=False),
        sa.Column("parent", sa.String(length=512), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("child", name=op.f("pk_epcis_location_parent")),
    )
    with op.batch_alter_table("epcis_location_parent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_location_parent_parent"), ["parent"], unique=False
        )

    op.create_table(
        "epcis_named_query",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column(
            "query",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
            name=op.f("fk_epcis_named_query_party_id_party"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_named_query")),
        sa.UniqueConstraint("name", name=op.f("uq_epcis_named_query_name")),
    )
    with op.batch_alter_table("epcis_named_query", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_named_query_party_id"), ["party_id"], unique=False
        )

    op.create_table(
        "epcis_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("dest", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=True),
        sa.Column("epc_format", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "initial_record_time", livetrace.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "min_record_time", livetrace.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_log_index", sa.BigInteger(), nullable=False),
        sa.Column(
            "last_notified_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
            name=op.f("fk_epcis_subscription_party_id_party"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["epcis_named_query.id"],
            name=op.f("fk_epcis_subscription_query_id_epcis_named_query"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_subscription")),
    )
    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_party_id"), ["party_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_subscription_query_id"), ["query_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_query_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_party_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_subscription_next_attempt_at"))

    op.drop_table("epcis_subscription")
    with op.batch_alter_table("epcis_named_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_named_query_party_id"))

    op.drop_table("epcis_named_query")
    with op.batch_alter_table("epcis_location_parent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_location_parent_parent"))

    op.drop_table("epcis_location_parent")
