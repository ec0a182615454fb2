"""feedback inbox: cases, case events and the outbox

A case per response that needs a person (a comment, a rating at or below the
threshold, a request to be contacted): its reference code, status, assignee,
category and deadlines in working days; and the append-only history of each case
(status changes, assignments, categories, internal notes, views of contact details);
the outbox of replies to claimants (pending / sent / failed, with retries); and how
far opening cases has looked (inbox_sync, one row).

Revision ID: 662b64fe1df8
Revises: a3c91e5d7b20
Create Date: 2026-12-03 12:18:25.182982

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '662b64fe1df8'
down_revision = 'a3c91e5d7b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_received_at'), ['received_at'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('has_comment', sa.Boolean(), nullable=False),
    sa.Column('low_rating', sa.Boolean(), nullable=False),
    sa.Column('wants_contact', sa.Boolean(), nullable=False),
    sa.Column('lowest_rating', sa.SmallInteger(), nullable=True),
    sa.Column('status', sa.Enum('new', 'in_progress', 'replied', 'closed', 'no_action', name='case_status', native_enum=False, length=16), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('procedure', 'attitude', 'waiting', 'benefit', 'facilities', 'other', name='case_category', native_enum=False, length=16), nullable=True),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('accept_due', sa.Date(), nullable=False),
    sa.Column('resolve_due', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'no_action' OR (status_reason IS NOT NULL AND status_reason <> '')", name=op.f('ck_cases_no_action_reason')),
    sa.CheckConstraint("status NOT IN ('closed', 'no_action') OR closed_at IS NOT NULL", name=op.f('ck_cases_closed_time')),
    sa.CheckConstraint('accept_due <= resolve_due', name=op.f('ck_cases_due_order')),
    sa.CheckConstraint('has_comment OR low_rating OR wants_contact', name=op.f('ck_cases_has_cause')),
    sa.CheckConstraint('lowest_rating IS NULL OR (lowest_rating >= 1 AND lowest_rating <= 5)', name=op.f('ck_cases_rating_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_cases_response_id_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_cases_service_id_services')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_cases_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('response_id', name=op.f('uq_cases_response_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_reference'), ['reference'], unique=False)
        batch_op.create_index('ix_cases_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.Enum('status', 'assigned', 'category', 'note', 'contact_viewed', 'contact_deleted', 'reply', 'redacted', name='case_event_kind', native_enum=False, length=16), nullable=False),
    sa.Column('from_value', sa.String(length=64), nullable=True),
    sa.Column('to_value', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind <> 'note' OR (note IS NOT NULL AND note <> '')", name=op.f('ck_case_events_note_text')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_case_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('inbox_sync',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scanned_until', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_inbox_sync_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_sync'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'sms', name='outbox_channel', native_enum=False, length=16), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sent', 'failed', name='outbox_state', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_outbox_messages_sent_time')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_messages_attempts_positive')),
    sa.CheckConstraint('length(body) >= 1', name=op.f('ck_outbox_messages_body_present')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbox_messages_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_state_next', ['state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_received_at'))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_state_next')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_case_id'))

    op.drop_table('outbox_messages')
    op.drop_table('inbox_sync')

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_unit_id'))
        batch_op.drop_index('ix_cases_status_due')
        batch_op.drop_index(batch_op.f('ix_cases_reference'))
        batch_op.drop_index(batch_op.f('ix_cases_opened_at'))
        batch_op.drop_index(batch_op.f('ix_cases_due_on'))
        batch_op.drop_index(batch_op.f('ix_cases_assignee_id'))

    op.drop_table('cases')
