"""catalogue stamp

One row whose random stamp changes with every change to units, services or
questionnaires, so that each worker knows when its in-process copy of the catalogue
is out of date (survey/services/catalogue/snapshot.py).

Revision ID: a3c91e5d7b20
Revises: cb078fd9c61f
Create Date: 2026-12-03 12:40:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c91e5d7b20'
down_revision = 'cb078fd9c61f'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'catalogue_stamp',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_catalogue_stamp_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_stamp')),
    )
    op.bulk_insert(stamp, [{'id': 1, 'stamp': secrets.randbits(62)}])


def downgrade():
    op.drop_table('catalogue_stamp')
