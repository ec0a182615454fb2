"""report jobs and four eyes

Background report jobs (generation and approval) with their progress, one active job
per unit and period; who prepared, submitted and approved a version by user id, and
whether it was approved by one of them (allowed only with the four-eyes rule off).

Revision ID: fc114c59c194
Revises: 407150d345c9
Create Date: 2026-12-04 16:25:46.542712

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc114c59c194'
down_revision = '407150d345c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.Enum('generate', 'approve', name='report_job_kind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='report_job_status', native_enum=False, length=16), nullable=False),
    sa.Column('active_key', sa.String(length=40), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('step_detail', sa.String(length=80), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('runner', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_report_jobs_progress_range')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_jobs_unit_id_units')),
    sa.ForeignKeyConstraint(['version_id'], ['report_versions.id'], name=op.f('fk_report_jobs_version_id_report_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs')),
    sa.UniqueConstraint('active_key', name=op.f('uq_report_jobs_active_key'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_report_jobs_unit_period', ['unit_id', 'period', 'created_at'], unique=False)

    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prepared_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('self_approved', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_report_versions_submitted_by_id_users'), 'users', ['submitted_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_report_versions_prepared_by_id_users'), 'users', ['prepared_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_report_versions_approved_by_id_users'), 'users', ['approved_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_versions_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_report_versions_prepared_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_report_versions_submitted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('self_approved')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('prepared_by_id')

    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_report_jobs_unit_period')

    op.drop_table('report_jobs')
