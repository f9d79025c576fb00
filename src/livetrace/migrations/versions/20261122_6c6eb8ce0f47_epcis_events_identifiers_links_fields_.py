"""epcis: events, identifiers, links, fields, sensor reports, capture jobs

Revision ID: 6c6eb8ce0f47
Revises: 51fa03c10e6a
Create Date: 2026-11-22 00:02:45.536099
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import livetrace.store.types

revision: str = "6c6eb8ce0f47"
down_revision: str | None = "51fa03c10e6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "epcis_capture_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("error_behaviour", sa.String(length=16), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("captured_count", sa.Integer(), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
            name=op.f("fk_epcis_capture_job_party_id_party"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_capture_job")),
    )
    with op.batch_alter_table("epcis_capture_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_capture_job_party_id"), ["party_id"], unique=False
        )

    op.create_table(
        "epcis_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=512), nullable=False),
        sa.Column("event_hash", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=True),
        sa.Column("biz_step", sa.String(length=512), nullable=True),
        sa.Column("disposition", sa.String(length=512), nullable=True),
        sa.Column("event_time", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_time_zone_offset", sa.String(length=6), nullable=False),
        sa.Column("record_time", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_point", sa.String(length=512), nullable=True),
        sa.Column("biz_location", sa.String(length=512), nullable=True),
        sa.Column("transformation_id", sa.String(length=512), nullable=True),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("capture_job_id", sa.Uuid(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("error_declared_by", sa.String(length=512), nullable=True),
        sa.Column(
            "error_declaration_time",
            livetrace.store.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("error_reason", sa.String(length=512), nullable=True),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["capture_job_id"],
            ["epcis_capture_job.id"],
            name=op.f("fk_epcis_event_capture_job_id_epcis_capture_job"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
            name=op.f("fk_epcis_event_party_id_party"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_event")),
        sa.UniqueConstraint("event_hash", name=op.f("uq_epcis_event_event_hash")),
        sa.UniqueConstraint("event_id", name=op.f("uq_epcis_event_event_id")),
        sa.UniqueConstraint("log_index", name=op.f("uq_epcis_event_log_index")),
    )
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_event_biz_location"), ["biz_location"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_event_capture_job_id"), ["capture_job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_event_disposition"), ["disposition"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_event_error_declaration_time"),
            ["error_declaration_time"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_epcis_event_event_time"), ["event_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_read_point"), ["read_point"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_epcis_event_record_time"), ["record_time"], unique=False
        )
        batch_op.create_index("ix_epcis_event_step_time", ["biz_step", "event_time"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_epcis_event_transformation_id"), ["transformation_id"], unique=False
        )
        batch_op.create_index(
            "ix_epcis_event_type_time", ["event_type", "event_time"], unique=False
        )

    op.create_table(
        "epcis_event_epc",
        sa.Column("event_pk", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("epc", sa.String(length=512), nullable=False),
        sa.Column("raw", sa.String(length=512), nullable=False),
        sa.Column("is_class", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("uom", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
            name=op.f("fk_epcis_event_epc_event_pk_epcis_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_pk", "role", "position", name=op.f("pk_epcis_event_epc")),
    )
    with op.batch_alter_table("epcis_event_epc", schema=None) as batch_op:
        batch_op.create_index("ix_epcis_event_epc_epc_role", ["epc", "role"], unique=False)

    op.create_table(
        "epcis_event_field",
        sa.Column("event_pk", sa.Uuid(), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_time", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
            name=op.f("fk_epcis_event_field_event_pk_epcis_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "event_pk", "section", "position", name=op.f("pk_epcis_event_field")
        ),
    )
    with op.batch_alter_table("epcis_event_field", schema=None) as batch_op:
        batch_op.create_index(
            "ix_epcis_event_field_num", ["section", "name", "value_num"], unique=False
        )
        batch_op.create_index(
            "ix_epcis_event_field_text", ["section", "name", "value_text"], unique=False
        )

    op.create_table(
        "epcis_event_link",
        sa.Column("event_pk", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=512), nullable=True),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
            name=op.f("fk_epcis_event_link_event_pk_epcis_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_pk", "kind", "position", name=op.f("pk_epcis_event_link")),
    )
    with op.batch_alter_table("epcis_event_link", schema=None) as batch_op:
        batch_op.create_index(
            "ix_epcis_event_link_kind_type_value", ["kind", "type", "value"], unique=False
        )

    op.create_table(
        "epcis_sensor_report",
        sa.Column("event_pk", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("element", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=512), nullable=True),
        sa.Column("device_id", sa.String(length=512), nullable=True),
        sa.Column("time", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("mean_value", sa.Float(), nullable=True),
        sa.Column("uom", sa.String(length=8), nullable=True),
        sa.Column("string_value", sa.Text(), nullable=True),
        sa.Column("boolean_value", sa.Boolean(), nullable=True),
        sa.Column("component", sa.String(length=512), nullable=True),
        sa.Column("exception", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
            name=op.f("fk_epcis_sensor_report_event_pk_epcis_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_pk", "position", name=op.f("pk_epcis_sensor_report")),
    )
    with op.batch_alter_table("epcis_sensor_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_sensor_report_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index("ix_epcis_sensor_report_type_uom", ["type", "uom"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("epcis_sensor_report", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_sensor_report_type_uom")
        batch_op.drop_index(batch_op.f("ix_epcis_sensor_report_device_id"))

    op.drop_table("epcis_sensor_report")
    with op.batch_alter_table("epcis_event_link", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_event_link_kind_type_value")

    op.drop_table("epcis_event_link")
    with op.batch_alter_table("epcis_event_field", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_event_field_text")
        batch_op.drop_index("ix_epcis_event_field_num")

    op.drop_table("epcis_event_field")
    with op.batch_alter_table("epcis_event_epc", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_event_epc_epc_role")

    op.drop_table("epcis_event_epc")
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_event_type_time")
        batch_op.drop_index(batch_op.f("ix_epcis_event_transformation_id"))
        batch_op.drop_index("ix_epcis_event_step_time")
        batch_op.drop_index(batch_op.f("ix_epcis_event_record_time"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_read_point"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_party_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_event_time"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_error_declaration_time"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_disposition"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_capture_job_id"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_biz_location"))

    op.drop_table("epcis_event")
    with op.batch_alter_table("epcis_capture_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_capture_job_party_id"))

    op.drop_table("epcis_capture_job")
