"""sealed manage tokens; no plain token left in the outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 05:00:00

Adds registrations.token_sealed and registrations.feed_sequence, and removes the plain
manage token that registration mails kept in outbox_mails.context until they were sent.
When the migration runs inside the app (flask db upgrade), a token found in a waiting
mail that still matches its registration is sealed first, so that mail keeps its links;
other such mails are sent as a sign-in link instead (see registrations/mails.py).
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _sealer():
    """seal_token() when the app is there to give SECRET_KEY, else None."""
    try:
        from flask import current_app

        current_app.config["SECRET_KEY"]
    except (ImportError, RuntimeError, KeyError):
        return None
    from eventapp.registrations.sealing import seal_token

    return seal_token


def _move_tokens_out_of_outbox():
    connection = op.get_bind()
    outbox = sa.table('outbox_mails', sa.column('id', sa.Integer), sa.column('context', sa.JSON),
                      sa.column('registration_id', sa.Integer), sa.column('renderer', sa.String))
    registrations = sa.table('registrations', sa.column('id', sa.Integer), sa.column('token_hash', sa.String),
                             sa.column('token_sealed', sa.String))
    seal = _sealer()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.context, outbox.c.registration_id)
        .where(outbox.c.renderer == 'registration', outbox.c.context.is_not(None))
        .order_by(outbox.c.id)
    ).all()
    for mail_id, context, registration_id in rows:
        if isinstance(context, str):
            context = json.loads(context)
        if not isinstance(context, dict) or 'token' not in context:
            continue
        token = context.pop('token')
        if seal is not None and registration_id is not None and isinstance(token, str):
            connection.execute(
                registrations.update()
                .where(registrations.c.id == registration_id,
                       registrations.c.token_hash == hashlib.sha256(token.encode()).hexdigest())
                .values(token_sealed=seal(token))
            )
        connection.execute(outbox.update().where(outbox.c.id == mail_id).values(context=context))


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_sealed', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('feed_sequence', sa.Integer(), server_default='0', nullable=False))
    _move_tokens_out_of_outbox()


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop
    # the old one, and SQLite's foreign keys would then null every outbox row's
    # registration_id and delete every session choice.
    op.drop_column('registrations', 'feed_sequence')
    op.drop_column('registrations', 'token_sealed')
