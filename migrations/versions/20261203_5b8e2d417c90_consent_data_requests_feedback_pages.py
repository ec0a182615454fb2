"""consent wording on contacts, data requests as cases, units' public feedback pages

contacts: the version and SHA-256 of the consent wording shown. cases: a kind
(feedback, or a request to see or delete contact details), one case of each kind per
response, and whether the comment may be quoted publicly. feedback_pages and
feedback_actions: a unit's opt-in public "what we did" page and its entries. The
inbox list's order as indexes (due_on, opened_at, id), alone and after status, and
cases.received_at indexed for the date filters.

Revision ID: 5b8e2d417c90
Revises: 5c0e7a91d2b4
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa

from survey.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '5b8e2d417c90'
down_revision = "5c0e7a91d2b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('consent_sha256', sa.String(length=64), nullable=True))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'kind', sa.Enum('feedback', 'data_access', 'data_erasure', name='case_kind',
                            native_enum=False, length=16),
            server_default='feedback', nullable=False))
        batch_op.add_column(sa.Column('public_quote', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.drop_constraint(op.f('uq_cases_response_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_cases_response_id_kind'),
                                          ['response_id', 'kind'])
        batch_op.drop_constraint(op.f('ck_cases_has_cause'), type_='check')
        batch_op.create_check_constraint(
            'has_cause', "has_comment OR low_rating OR wants_contact OR kind <> 'feedback'")

    # The inbox list's order read off an index (bench/inbox_list.py, docs/performance.md).
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_due')
        batch_op.drop_index(batch_op.f('ix_cases_due_on'))
        batch_op.create_index('ix_cases_queue', ['due_on', 'opened_at', 'id', 'unit_id'],
                              unique=False)
        batch_op.create_index('ix_cases_status_queue',
                              ['status', 'due_on', 'opened_at', 'id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_received_at'), ['received_at'],
                              unique=False)

    op.create_table('feedback_pages',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_feedback_pages_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_feedback_pages'))
    )
    op.create_table('feedback_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.CheckConstraint('length(text) >= 1', name=op.f('ck_feedback_actions_text_present')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_feedback_actions_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_actions'))
    )
    with op.batch_alter_table('feedback_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_actions_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_actions_unit_id'))
    op.drop_table('feedback_actions')
    op.drop_table('feedback_pages')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_received_at'))
        batch_op.drop_index('ix_cases_status_queue')
        batch_op.drop_index('ix_cases_queue')
        batch_op.create_index(batch_op.f('ix_cases_due_on'), ['due_on'], unique=False)
        batch_op.create_index('ix_cases_status_due', ['status', 'due_on'], unique=False)
    op.execute("DELETE FROM cases WHERE kind <> 'feedback'")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_has_cause'), type_='check')
        batch_op.create_check_constraint('has_cause',
                                         'has_comment OR low_rating OR wants_contact')
        batch_op.drop_constraint(op.f('uq_cases_response_id_kind'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_cases_response_id'), ['response_id'])
        batch_op.drop_column('public_quote')
        batch_op.drop_column('kind')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('consent_sha256')
        batch_op.drop_column('consent_version')
