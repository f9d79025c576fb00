"""trace: index of items that went into transformations

Revision ID: 0002681f2741
Revises: 786c06d928ae
Create Date: 2026-11-22 02:23:45.879846
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002681f2741"
down_revision: str | None = "786c06d928ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trace_lineage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trace_lineage_instance_role", ["is_class", "role", "epc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trace_lineage", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_lineage_instance_role")
