"""foundation: keys, parties, catalog

Revision ID: 51fa03c10e6a
Revises:
Create Date: 2026-11-21 23:37:40.015551
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import livetrace.store.types

revision: str = "51fa03c10e6a"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "party",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company_prefix", sa.String(length=12), nullable=True),
        sa.Column("gln", sa.String(length=13), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party")),
        sa.UniqueConstraint("gln", name=op.f("uq_party_gln")),
        sa.UniqueConstraint("name", name=op.f("uq_party_name")),
    )
    op.create_table(
        "signing_key",
        sa.Column("owner_kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_key")),
    )
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_key_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_signing_key_one_active",
            ["owner_kind", "owner_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "app_user",
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_app_user_party_id_party"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_party_id"), ["party_id"], unique=False)

    op.create_table(
        "category_template",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("owner_party_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_party_id"],
            ["party.id"],
            name=op.f("fk_category_template_owner_party_id_party"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_template")),
        sa.UniqueConstraint("code", name=op.f("uq_category_template_code")),
    )
    with op.batch_alter_table("category_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_template_owner_party_id"), ["owner_party_id"], unique=False
        )

    op.create_table(
        "location",
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("gln", sa.String(length=13), nullable=False),
        sa.Column("extension", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_location_party_id_party"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("gln", "extension", name=op.f("uq_location_gln_extension")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_party_id"), ["party_id"], unique=False)

    op.create_table(
        "party_role",
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["party.id"],
            name=op.f("fk_party_role_party_id_party"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("party_id", "role", name=op.f("pk_party_role")),
    )
    with op.batch_alter_table("party_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_role_role"), ["role"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lookup", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("expires_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_api_token_party_id_party"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_api_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("lookup", name=op.f("uq_api_token_lookup")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "product",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("brand_party_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("net_content", sa.String(length=64), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_party_id"],
            ["party.id"],
            name=op.f("fk_product_brand_party_id_party"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["category_template.id"],
            name=op.f("fk_product_template_id_category_template"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("gtin", name=op.f("uq_product_gtin")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_brand_party_id"), ["brand_party_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_template_id"), ["template_id"], unique=False)

    op.create_table(
        "lot",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("lot_number", sa.String(length=20), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", livetrace.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_lot_product_id_product"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("product_id", "lot_number", name=op.f("uq_lot_product_id_lot_number")),
    )
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_product_id"), ["product_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_product_id"))

    op.drop_table("lot")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_template_id"))
        batch_op.drop_index(batch_op.f("ix_product_brand_party_id"))

    op.drop_table("product")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_party_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("party_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_role_role"))

    op.drop_table("party_role")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_party_id"))

    op.drop_table("location")
    with op.batch_alter_table("category_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_template_owner_party_id"))

    op.drop_table("category_template")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_party_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_signing_key_one_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_signing_key_owner_id"))

    op.drop_table("signing_key")
    op.drop_table("party")
