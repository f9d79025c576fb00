"""epcis: scheduled subscriptions, indexed sensor statistics and metadata

Revision ID: 890f9939895f
Revises: 0903f6df7fd3
Create Date: 2026-11-22 03:34:42.777385
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import livetrace.store.types

revision: str = "890f9939895f"
down_revision: str | None = "0903f6df7fd3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENSOR_COLUMNS = (
    "s_dev", "perc_rank", "perc_value", "start_time", "end_time", "data_processing_method",
    "biz_rules", "microorganism", "chemical_substance", "hex_binary_value", "uri_value",
)  # fmt: skip


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule", json_type, nullable=True))
        batch_op.add_column(
            sa.Column("report_if_empty", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("run_due_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("epcis_sensor_report", schema=None) as batch_op:
        for name in ("s_dev", "perc_rank", "perc_value"):
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
        for name in ("start_time", "end_time"):
            batch_op.add_column(
                sa.Column(name, livetrace.store.types.UTCDateTime(timezone=True), nullable=True)
            )
        for name in ("data_processing_method", "biz_rules", "microorganism", "chemical_substance"):
            batch_op.add_column(sa.Column(name, sa.String(length=512), nullable=True))
        for name in ("hex_binary_value", "uri_value"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    _backfill_sensor_reports()


def downgrade() -> None:
    with op.batch_alter_table("epcis_sensor_report", schema=None) as batch_op:
        for name in SENSOR_COLUMNS:
            batch_op.drop_column(name)
    with op.batch_alter_table("epcis_subscription", schema=None) as batch_op:
        batch_op.drop_column("run_due_at")
        batch_op.drop_column("report_if_empty")
        batch_op.drop_column("schedule")


# The sensor report index gains columns; reports captured before are filled from the stored
# event documents (standard JSON keys), in the order capture indexed them.
_EVENT = sa.table("epcis_event", sa.column("id", sa.Uuid()), sa.column("document", sa.JSON()))
_SENSOR = sa.table(
    "epcis_sensor_report",
    sa.column("event_pk", sa.Uuid()),
    sa.column("position", sa.Integer()),
    *(sa.column(name, sa.Float()) for name in ("s_dev", "perc_rank", "perc_value")),
    *(sa.column(name, livetrace.store.types.UTCDateTime()) for name in ("start_time", "end_time")),
    *(sa.column(name, sa.Text()) for name in SENSOR_COLUMNS[5:]),
)
_PAGE = 500


def _backfill_sensor_reports() -> None:
    conn = op.get_bind()
    with_reports = sa.select(_SENSOR.c.event_pk).distinct().scalar_subquery()
    query = sa.select(_EVENT.c.id, _EVENT.c.document).where(_EVENT.c.id.in_(with_reports))
    last = None
    while True:
        page = query.order_by(_EVENT.c.id).limit(_PAGE)
        rows = conn.execute(page if last is None else page.where(_EVENT.c.id > last)).all()
        if not rows:
            return
        updates = [u for pk, document in rows for u in _report_updates(pk, document)]
        if updates:
            statement = (
                _SENSOR.update()
                .where(_SENSOR.c.event_pk == sa.bindparam("pk"))
                .where(_SENSOR.c.position == sa.bindparam("pos"))
                .values({name: sa.bindparam(name) for name in SENSOR_COLUMNS})
            )
            conn.execute(statement, updates)
        last = rows[-1][0]


def _report_updates(pk: Any, document: Any) -> Iterator[dict[str, Any]]:
    elements = document.get("sensorElementList") if isinstance(document, dict) else None
    position = 0
    for element in elements if isinstance(elements, list) else ():
        meta = element.get("sensorMetadata") or {}
        for report in element.get("sensorReport") or ():
            hex_value = report.get("hexBinaryValue")
            yield {
                "pk": pk, "pos": position,
                "s_dev": _num(report.get("sDev")), "perc_rank": _num(report.get("percRank")),
                "perc_value": _num(report.get("percValue")),
                "start_time": _time(meta.get("startTime")),
                "end_time": _time(meta.get("endTime")),
                "data_processing_method": report.get("dataProcessingMethod")
                or meta.get("dataProcessingMethod"),
                "biz_rules": report.get("bizRules") or meta.get("bizRules"),
                "microorganism": report.get("microorganism"),
                "chemical_substance": report.get("chemicalSubstance"),
                "hex_binary_value": hex_value.upper() if isinstance(hex_value, str) else None,
                "uri_value": report.get("uriValue"),
            }  # fmt: skip
            position += 1


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
