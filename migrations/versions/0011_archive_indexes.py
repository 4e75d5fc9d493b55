"""archive indexes: list order, count and search join read narrow indexes (#9)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_events_archive_order": ["status", "starts_at", "id", "ends_at"],
    "ix_events_archive_count": ["status", "ends_at"],
    "ix_events_archive_lookup": ["id", "status", "ends_at", "starts_at"],
}


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    # Without fresh statistics the planners would not know what the new indexes are worth.
    op.execute("ANALYZE events")


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
