"""one all-services served count per period and unit

A unique constraint treats NULLs as distinct, so two "all services" rows
(service_id NULL) for one period and unit were possible. Keep the newest such
row (the last import) and add a partial unique index.

Revision ID: e704fefd0320
Revises: d6879dc0b17f
Create Date: 2026-11-30 09:45:28.951895

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e704fefd0320'
down_revision = 'd6879dc0b17f'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM served_counts WHERE service_id IS NULL AND id NOT IN ("
        "SELECT MAX(id) FROM served_counts WHERE service_id IS NULL GROUP BY period, unit_id)"
    )
    with op.batch_alter_table('served_counts', schema=None) as batch_op:
        batch_op.create_index('uq_served_counts_period_unit_all_services', ['period', 'unit_id'], unique=True, sqlite_where=sa.text('service_id IS NULL'), postgresql_where=sa.text('service_id IS NULL'))



def downgrade():
    with op.batch_alter_table('served_counts', schema=None) as batch_op:
        batch_op.drop_index('uq_served_counts_period_unit_all_services', sqlite_where=sa.text('service_id IS NULL'), postgresql_where=sa.text('service_id IS NULL'))

