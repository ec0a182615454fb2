"""coverage counts

Administrative counts per reporting unit and month for the plan's coverage targets
(counselling, job referral, placement, training support; Decision 2269/QĐ-TTg).

Revision ID: 5c0e7a91d2b4
Revises: 662b64fe1df8
Create Date: 2026-12-03 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0e7a91d2b4'
down_revision = '662b64fe1df8'
branch_labels = None
depends_on = None

COUNTS = ('applicants', 'counselling_asked', 'counselled', 'referral_asked', 'referred',
          'placed', 'training_supported')
BOUNDED = (('counselled', 'counselling_asked'), ('referred', 'referral_asked'),
           ('placed', 'referred'), ('training_supported', 'applicants'))


def upgrade():
    op.create_table(
        'coverage_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        *(sa.CheckConstraint(f'{name} >= 0', name=op.f(f'ck_coverage_counts_{name}_nonnegative'))
          for name in COUNTS),
        *(sa.CheckConstraint(f'{part} <= {whole}',
                             name=op.f(f'ck_coverage_counts_{part}_within_{whole}'))
          for part, whole in BOUNDED),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_coverage_counts_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_counts')),
        sa.UniqueConstraint('month', 'unit_id', name=op.f('uq_coverage_counts_month_unit_id')),
    )
    op.create_index(op.f('ix_coverage_counts_unit_id'), 'coverage_counts', ['unit_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_coverage_counts_unit_id'), table_name='coverage_counts')
    op.drop_table('coverage_counts')
