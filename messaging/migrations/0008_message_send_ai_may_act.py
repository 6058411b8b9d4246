"""`livechat_message_send` also answers, for a visitor's message, whether the AI has anything
to do with it (`ai_may_act`), so that `assist` needs no job and no statement of its own for
the common case of a team without sources (issue 14). Otherwise as migration 0007."""

import importlib

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION livechat_message_send(
    p_id uuid,
    p_conversation_id uuid,  -- an agent's send: the conversation (NULL for a visitor)
    p_visitor_id uuid,       -- a visitor's send: the sender (NULL for an agent)
    p_agent_id integer,      -- an agent's send: the sender (NULL for a visitor)
    p_body text,
    p_client_id text,
    p_now timestamptz,       -- the application's clock when the send started
    OUT outcome text,        -- sent | missing | closed | repeat (nothing written unless sent)
    OUT conv_id uuid,
    OUT conv_visitor_id uuid,
    OUT msg_seq integer,
    OUT msg_version bigint,
    OUT msg_visitor_seq integer,
    OUT msg_visitor_version bigint,
    OUT msg_created_at timestamptz,
    OUT ai_may_act boolean   -- a visitor's send: whether the AI has anything to do with it
)
LANGUAGE plpgsql
AS $$
DECLARE
    c record;
BEGIN
    -- Each statement below takes a fresh snapshot (READ COMMITTED), so once the row lock
    -- is ours the client_id check sees whatever the previous holder committed, as in the
    -- ORM path's transaction.
    IF p_visitor_id IS NOT NULL THEN
        SELECT cv.id, cv.visitor_id, cv.status, cv.last_seq, cv.version,
               cv.visitor_last_seq, cv.visitor_version, cv.ai_enabled, cv.first_response_at
          INTO c
          FROM conversations_conversation cv
         WHERE cv.visitor_id = p_visitor_id
           FOR UPDATE;
    ELSE
        SELECT cv.id, cv.visitor_id, cv.status, cv.last_seq, cv.version,
               cv.visitor_last_seq, cv.visitor_version, cv.ai_enabled, cv.first_response_at
          INTO c
          FROM conversations_conversation cv
         WHERE cv.id = p_conversation_id
           FOR UPDATE;
    END IF;
    IF NOT FOUND THEN
        outcome := 'missing';
        RETURN;
    END IF;
    -- A visitor's message reopens a closed conversation: the ORM path does that.
    IF p_visitor_id IS NOT NULL AND c.status = 'closed' THEN
        outcome := 'closed';
        RETURN;
    END IF;
    IF p_client_id IS NOT NULL THEN
        IF p_visitor_id IS NOT NULL THEN
            PERFORM 1 FROM messaging_message m
             WHERE m.sender_visitor_id = p_visitor_id AND m.client_id = p_client_id;
        ELSE
            PERFORM 1 FROM messaging_message m
             WHERE m.sender_agent_id = p_agent_id AND m.client_id = p_client_id;
        END IF;
        IF FOUND THEN
            outcome := 'repeat';
            RETURN;
        END IF;
    END IF;

    conv_id := c.id;
    conv_visitor_id := c.visitor_id;
    msg_seq := c.last_seq + 1;
    msg_version := c.version + 1;
    msg_visitor_seq := c.visitor_last_seq + 1;
    msg_visitor_version := c.visitor_version + 1;
    -- The ORM path reads the clock once it holds the lock, so created_at follows seq. Here
    -- it is the application's clock plus however long we waited for the lock, and never
    -- before the previous message: the application read its clock a little before the
    -- statement started (a GIL switch, say), and that message may have come in between.
    SELECT GREATEST(p_now + (clock_timestamp() - statement_timestamp()), max(m.created_at))
      INTO msg_created_at
      FROM messaging_message m
     WHERE m.conversation_id = c.id AND m.seq = c.last_seq;

    INSERT INTO messaging_message (
        id, conversation_id, seq, version, visitor_seq, visitor_version, client_id,
        sender_type, sender_agent_id, sender_visitor_id, body, attachments_data, internal,
        created_at, edited_at, deleted_at
    ) VALUES (
        p_id, c.id, msg_seq, msg_version, msg_visitor_seq, msg_visitor_version, p_client_id,
        CASE WHEN p_visitor_id IS NOT NULL THEN 'visitor' ELSE 'agent' END,
        p_agent_id, p_visitor_id, p_body, '[]'::jsonb, false,
        msg_created_at, NULL, NULL
    );
    UPDATE conversations_conversation cv
       SET last_seq = msg_seq,
           version = msg_version,
           visitor_last_seq = msg_visitor_seq,
           visitor_version = msg_visitor_version,
           last_message_id = p_id,
           updated_at = msg_created_at,
           first_response_at = CASE
               WHEN p_agent_id IS NOT NULL AND cv.first_response_at IS NULL THEN msg_created_at
               ELSE cv.first_response_at END,
           first_response_by_id = CASE
               WHEN p_agent_id IS NOT NULL AND cv.first_response_at IS NULL THEN p_agent_id
               ELSE cv.first_response_by_id END
     WHERE cv.id = c.id;
    -- What `assist.selectors.ai_may_act` asks, answered here so that a visitor's message
    -- the AI has nothing to do with costs it no job and no round trip: the AI answers the
    -- conversation (on, no agent reply yet, not closed: a closed one was refused above), or
    -- an active article or a team canned response exists for it to suggest from.
    IF p_visitor_id IS NOT NULL THEN
        ai_may_act := (c.ai_enabled AND c.first_response_at IS NULL)
            OR EXISTS (SELECT 1 FROM assist_knowledgearticle a WHERE a.active)
            OR EXISTS (SELECT 1 FROM canned_cannedresponse r WHERE r.scope = 'team');
    END IF;
    outcome := 'sent';
END;
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS livechat_message_send(uuid, uuid, uuid, integer, text, text, timestamptz);
"""

_0007 = importlib.import_module("messaging.migrations.0007_message_send_function")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Its OUT columns change: CREATE OR REPLACE cannot do that.
        schema_editor.execute(DROP)
        schema_editor.execute(CREATE)


def back_to_0007(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(_0007.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_message_send_function"),
        ("assist", "0002_passage_search_index"),
        ("canned", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, back_to_0007, elidable=False)]
