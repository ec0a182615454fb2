"""index responses by device and time

The kiosk's too-fast check looks up a device's response just before and just after
a time; with only an index on device_id it sorted all of that device's responses
for every response received. The composite index also serves lookups by device.

Revision ID: 77f48df4b1b3
Revises: e704fefd0320
Create Date: 2026-11-30 10:01:32.584078

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '77f48df4b1b3'
down_revision = 'e704fefd0320'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_device_id'))
        batch_op.create_index('ix_responses_device_submitted', ['device_id', 'submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_device_submitted')
        batch_op.create_index(batch_op.f('ix_responses_device_id'), ['device_id'], unique=False)
