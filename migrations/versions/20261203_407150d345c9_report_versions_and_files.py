"""report versions and files

Versions of the quarterly and annual reports (nháp → đã gửi → đã duyệt / trả lại sửa)
with the exact figures each shows and their SHA-256, a change log from the previous
version, and the frozen files (XLSX, CSV zip, PDF) of an approved version.

Revision ID: 407150d345c9
Revises: 5b8e2d417c90
Create Date: 2026-12-03 16:14:12.204088

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '407150d345c9'
down_revision = "5b8e2d417c90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'returned', name='report_status', native_enum=False, length=16), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('figures_sha256', sa.String(length=64), nullable=False),
    sa.Column('change_log', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('prepared_by', sa.String(length=254), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by', sa.String(length=254), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=254), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_report_versions_number_positive')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_versions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
    sa.UniqueConstraint('unit_id', 'period', 'number', name=op.f('uq_report_versions_unit_id_period_number'))
    )
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_versions_unit_id'), ['unit_id'], unique=False)

    op.create_table('report_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['report_versions.id'], name=op.f('fk_report_files_version_id_report_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_files')),
    sa.UniqueConstraint('version_id', 'format', name=op.f('uq_report_files_version_id_format'))
    )
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_files_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_files_version_id'))

    op.drop_table('report_files')
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_versions_unit_id'))

    op.drop_table('report_versions')
